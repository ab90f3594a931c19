package io.zcnbrh.doctor;

/** One thing the doctor looked at: whether it works here, what was seen, and what to do when it does not. */
public record Check(String name, Status status, String detail, String advice) {
    /** The verdict of a check. */
    public enum Status { OK, WARN, NO }
}
