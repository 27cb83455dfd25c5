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
}
