package io.zcnbrh.audit;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: a fault (a bad descriptor from an untrusted writer, a program the verifier refused, a detach). */
@Name("io.zcnbrh.Fault")
@Label("Z-CNBRH fault")
@Category({"Z-CNBRH"})
@Description("Bad descriptors, verifier rejections, XDP programs detached")
public final class FaultEvent extends jdk.jfr.Event {
    @Label("Where")
    public String where;

    @Label("Kind")
    public String kind;

    @Label("Detail")
    public String detail;
}
