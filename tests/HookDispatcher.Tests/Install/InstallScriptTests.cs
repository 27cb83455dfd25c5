using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Install;

/// <summary>install/install.sh and uninstall.sh, run for real into a staging root.</summary>
public sealed class InstallScriptTests
{
    private static HookProcess.Result Script(string name, params string[] args) =>
        HookProcess.Run("/bin/bash", [Path.Join(HookProcess.RepoRoot, "install", name), .. args]);

    [Fact]
    public void InstallLinksTheHookCreatesTheConfigAndIsIdempotent()
    {
        using var root = new TempDir();
        for (var run = 0; run < 2; run++)
        {
            var result = Script("install.sh", "--root", root.Path, "--binary", HookProcess.Binary);
            result.ExitCode.ShouldBe(0, result.Stderr);
        }
        File.ResolveLinkTarget(root.Join("etc/libvirt/hooks/qemu"), returnFinalTarget: false)!.FullName.ShouldBe("/usr/local/bin/hookctl");
        File.GetUnixFileMode(root.Join("usr/local/bin/hookctl")).ShouldBe((UnixFileMode)0x1ed); // 0755
        File.GetUnixFileMode(root.Join("etc/hookdispatcher/hooks.d")).ShouldBe((UnixFileMode)0x1ed);
        File.GetUnixFileMode(root.Join("etc/hookdispatcher/config.d")).ShouldBe((UnixFileMode)0x1ed);
        File.ReadAllText(root.Join("etc/hookdispatcher/config.json")).ShouldContain("\"rulesDir\": \"/etc/hookdispatcher/hooks.d\"");
        File.Exists(root.Join("etc/libvirt/hooks/qemu.hookdispatcher-backup")).ShouldBeFalse();
    }

    [Fact]
    public void AForeignHookIsRefusedThenKeptAsABackupWithForceAndRestoredOnUninstall()
    {
        using var root = new TempDir();
        Directory.CreateDirectory(root.Join("etc/libvirt/hooks"));
        File.WriteAllText(root.Join("etc/libvirt/hooks/qemu"), "#!/bin/sh\necho mine\n");

        var refused = Script("install.sh", "--root", root.Path, "--binary", HookProcess.Binary);
        refused.ExitCode.ShouldBe(1);
        refused.Stderr.ShouldContain("is not HookDispatcher");
        File.ReadAllText(root.Join("etc/libvirt/hooks/qemu")).ShouldContain("echo mine");

        Script("install.sh", "--root", root.Path, "--binary", HookProcess.Binary, "--force").ExitCode.ShouldBe(0);
        File.ReadAllText(root.Join("etc/libvirt/hooks/qemu.hookdispatcher-backup")).ShouldContain("echo mine");

        var removed = Script("uninstall.sh", "--root", root.Path);
        removed.ExitCode.ShouldBe(0, removed.Stderr);
        File.ReadAllText(root.Join("etc/libvirt/hooks/qemu")).ShouldContain("echo mine");
        File.Exists(root.Join("usr/local/bin/hookctl")).ShouldBeFalse();
        File.Exists(root.Join("etc/hookdispatcher/config.json")).ShouldBeTrue();
    }

    [Fact]
    public void UninstallRefusesWhileADomainHoldsResourcesAndPurgeRemovesTheConfig()
    {
        using var root = new TempDir();
        Script("install.sh", "--root", root.Path, "--binary", HookProcess.Binary).ExitCode.ShouldBe(0);
        Directory.CreateDirectory(root.Join("run/hookdispatcher"));
        File.WriteAllText(root.Join("run/hookdispatcher/win11.json"), "{}");

        var refused = Script("uninstall.sh", "--root", root.Path, "--purge");
        refused.ExitCode.ShouldBe(1);
        refused.Stderr.ShouldContain("win11.json");
        File.Exists(root.Join("usr/local/bin/hookctl")).ShouldBeTrue();

        File.Delete(root.Join("run/hookdispatcher/win11.json"));
        Script("uninstall.sh", "--root", root.Path, "--purge").ExitCode.ShouldBe(0);
        Directory.Exists(root.Join("etc/hookdispatcher")).ShouldBeFalse();
        File.Exists(root.Join("etc/libvirt/hooks/qemu")).ShouldBeFalse();
    }

    /// <summary>The PassthroughPOST/VFIO-Tools libvirt_hooks/qemu dispatcher, as users install it.</summary>
    private const string VfioToolsHook = """
        #!/bin/bash
        #
        # Author: Sebastiaan Meijer (sebastiaan@passthroughpo.st)
        #
        GUEST_NAME="$1"
        HOOK_NAME="$2"
        STATE_NAME="$3"
        BASEDIR="$(dirname $0)"
        HOOKPATH="$BASEDIR/qemu.d/$GUEST_NAME/$HOOK_NAME/$STATE_NAME"
        set -e
        if [ -d "$HOOKPATH" ]; then
            while read file; do
                if [ ! -z "$file" ]; then eval \"$file\" "$@"; fi
            done <<< "$(find -L "$HOOKPATH" -maxdepth 1 -type f -executable -print;)"
        fi

        """;

    private static void VfioToolsHost(TempDir root)
    {
        Directory.CreateDirectory(root.Join("etc/libvirt/hooks/qemu.d/win10/prepare/begin"));
        Directory.CreateDirectory(root.Join("etc/libvirt/hooks/qemu.d/gaming/release/end"));
        File.WriteAllText(root.Join("etc/libvirt/hooks/qemu.d/99-every-domain.sh"), "#!/bin/sh\n");
        File.WriteAllText(root.Join("etc/libvirt/hooks/qemu"), VfioToolsHook);
    }

    [Fact]
    public void AVfioToolsDispatcherGetsOneRulePerVmPrintedAndIsKeptWithoutTheMigrateFlag()
    {
        using var root = new TempDir();
        VfioToolsHost(root);
        var result = Script("install.sh", "--root", root.Path, "--binary", HookProcess.Binary);
        result.ExitCode.ShouldBe(1);
        result.Stdout.ShouldContain("is the VFIO-Tools dispatcher");
        result.Stdout.ShouldContain("""/etc/hookdispatcher/hooks.d/win10.json: { "scriptsDir": "/etc/libvirt/hooks/qemu.d/win10" }""");
        result.Stdout.ShouldContain("""/etc/hookdispatcher/hooks.d/gaming.json: { "scriptsDir": "/etc/libvirt/hooks/qemu.d/gaming" }""");
        result.Stdout.ShouldNotContain("99-every-domain");
        result.Stderr.ShouldContain("--migrate-vfio-tools");
        File.ReadAllText(root.Join("etc/libvirt/hooks/qemu")).ShouldBe(VfioToolsHook);
        File.Exists(root.Join("etc/hookdispatcher/hooks.d/win10.json")).ShouldBeFalse();
    }

    [Fact]
    public void MigrateVfioToolsWritesTheRulesKeepsTheOldHookAndAddsADropInBesideAnExistingRule()
    {
        using var root = new TempDir();
        VfioToolsHost(root);
        Directory.CreateDirectory(root.Join("etc/hookdispatcher/hooks.d"));
        File.WriteAllText(root.Join("etc/hookdispatcher/hooks.d/gaming.json"), """{ "hugepages": true }""");

        var result = Script("install.sh", "--root", root.Path, "--binary", HookProcess.Binary, "--migrate-vfio-tools");
        result.ExitCode.ShouldBe(0, result.Stderr);
        File.ReadAllText(root.Join("etc/libvirt/hooks/qemu.hookdispatcher-backup")).ShouldBe(VfioToolsHook);
        File.ResolveLinkTarget(root.Join("etc/libvirt/hooks/qemu"), returnFinalTarget: false)!.FullName.ShouldBe("/usr/local/bin/hookctl");
        var win10 = root.Join("etc/hookdispatcher/hooks.d/win10.json");
        File.ReadAllText(win10).ShouldBe("""{ "scriptsDir": "/etc/libvirt/hooks/qemu.d/win10" }""" + "\n");
        File.GetUnixFileMode(win10).ShouldBe((UnixFileMode)0x1a4); // 0644
        File.ReadAllText(root.Join("etc/hookdispatcher/hooks.d/gaming.json")).ShouldBe("""{ "hugepages": true }""");
        File.ReadAllText(root.Join("etc/hookdispatcher/hooks.d/gaming.d/50-vfio-tools.json"))
            .ShouldBe("""{ "scriptsDir": "/etc/libvirt/hooks/qemu.d/gaming" }""" + "\n");

        // The written rule binds: the tree itself is valid for scriptsDir (outside --root the path would be /etc/…).
        var rule = File.ReadAllText(win10).Replace("/etc/libvirt", root.Join("etc/libvirt"), StringComparison.Ordinal);
        Rules.RuleDir.Valid(rule).ScriptsDir.ShouldBe(root.Join("etc/libvirt/hooks/qemu.d/win10"));

        var again = Script("install.sh", "--root", root.Path, "--binary", HookProcess.Binary, "--migrate-vfio-tools");
        again.ExitCode.ShouldBe(0, again.Stderr);
        again.Stderr.ShouldContain("is not the VFIO-Tools dispatcher; nothing to migrate");
    }

    [Fact]
    public void MigrateVfioToolsLeavesAnyOtherForeignHookAlone()
    {
        using var root = new TempDir();
        Directory.CreateDirectory(root.Join("etc/libvirt/hooks/qemu.d/win10"));
        File.WriteAllText(root.Join("etc/libvirt/hooks/qemu"), "#!/bin/sh\necho mine\n");
        var result = Script("install.sh", "--root", root.Path, "--binary", HookProcess.Binary, "--migrate-vfio-tools");
        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("is not the VFIO-Tools dispatcher; nothing to migrate");
        File.ReadAllText(root.Join("etc/libvirt/hooks/qemu")).ShouldContain("echo mine");
    }
}
