package io.zcnbrh.app;

import io.zcnbrh.config.PageSize;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.numa.NumaTopology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** Prints the NUMA topology and where a frame region bound to a node really lands. */
@Command(name = "topology", description = "Show NUMA nodes and verify frame-memory placement.")
public final class TopologyCommand implements Callable<Integer> {
    @Option(names = "--node", defaultValue = "0", description = "node to bind a test region to")
    int node;

    @Option(names = "--huge", description = "use 2 MiB huge pages")
    boolean huge;

    @Override
    public Integer call() {
        NumaTopology topology = NumaTopology.current();
        System.out.println("topology: " + topology);
        try (Mapping m = Mapping.anonymous(8L << 20, huge ? PageSize.HUGE_2M : PageSize.BASE, node)) {
            System.out.println("region: " + m + "; pages on nodes (sampled node->pages): " + m.placement()
                + "; placed on node " + m.placedNode());
            return m.placedNode() == node ? 0 : 1;
        }
    }
}
