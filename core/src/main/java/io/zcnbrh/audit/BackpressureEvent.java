package io.zcnbrh.audit;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: the port refused work for lack of credit (ring full, no free frame, credit budget spent). */
@Name("io.zcnbrh.Backpressure")
@Label("Z-CNBRH backpressure")
@Category({"Z-CNBRH"})
@Description("Ring full or credit budget spent")
public final class BackpressureEvent extends jdk.jfr.Event {
    @Label("Port")
    public String port;

    @Label("Counter")
    public String counter;
}
