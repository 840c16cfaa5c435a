package edge.modules.pfsense;

import edge.module.TaskContext;

/**
 * A pfsense_* module whose tasks start by reading config.xml: the run reads it over the session it
 * opens ahead, before the host's first task ({@link PfSenseHost#readAhead}).
 */
interface ReadsConfigAhead extends OverSsh {
    @Override
    default void openAhead(TaskContext ctx) {
        OverSsh.super.openAhead(ctx);
        PfSenseHost.of(ctx).readAhead(ctx);
    }
}
