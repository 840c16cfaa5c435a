package edge.modules;

import edge.engine.ModuleRegistry;
import edge.modules.builtin.AssertModule;
import edge.modules.builtin.DebugModule;
import edge.modules.builtin.FailModule;
import edge.modules.builtin.LocalFileModule;
import edge.modules.builtin.PreflightModule;
import edge.modules.builtin.SetFactModule;
import edge.modules.builtin.WaitForModule;
import edge.modules.k8s.K8sFactsModule;
import edge.modules.k8s.K8sManifestModule;
import edge.modules.k8s.K8sResourceModule;

/** Every module edge ships, by target system. */
public final class Modules {
    private Modules() {
    }

    public static ModuleRegistry all() {
        ModuleRegistry r = new ModuleRegistry();
        r.register(new DebugModule())
                .register(new AssertModule())
                .register(new SetFactModule())
                .register(new FailModule())
                .register(new WaitForModule())
                .register(new LocalFileModule())
                .register(new PreflightModule());
        r.register(new K8sManifestModule())
                .register(new K8sResourceModule())
                .register(new K8sFactsModule());
        r.register(new edge.modules.pfsense.PfSensePackageModule());
        r.register(new edge.modules.pfsense.FrrGlobalModule());
        r.register(new edge.modules.pfsense.FrrBgpModule());
        r.register(new edge.modules.pfsense.FrrBgpAdvancedModule());
        r.register(new edge.modules.pfsense.FrrBgpNeighborsModule());
        r.register(new edge.modules.pfsense.BgpVerifyModule());
        r.register(new edge.modules.pfsense.PfSenseFactsModule());
        return r;
    }
}
