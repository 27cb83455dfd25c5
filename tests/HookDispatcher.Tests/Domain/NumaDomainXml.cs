namespace HookDispatcher.Tests.Domain;

/// <summary>
/// A running four-cell NUMA guest as libvirt 9 writes it (virsh dumpxml of a q35 domain with memory hotplug:
/// maxMemory slots, cells with cpus/memory/unit, aliases on memory devices), with the parts the tests vary.
/// </summary>
internal static class NumaDomainXml
{
    public const ulong GiB = 1024UL * 1024 * 1024;

    public const string TwoSizes = """
        <hugepages>
              <page size='2048' unit='KiB' nodeset='1'/>
              <page size='1048576' unit='KiB' nodeset='0,2-3'/>
            </hugepages>
        """;

    /// <param name="backing">The content of &lt;memoryBacking&gt;.</param>
    /// <param name="numatune">A whole &lt;numatune&gt; element, or "".</param>
    /// <param name="memoryDevices">&lt;memory model=…&gt; devices inside &lt;devices&gt;.</param>
    /// <param name="memoryKiB">&lt;memory&gt;: the cells plus the devices, as libvirt computes it.</param>
    public static string Xml(string backing, string numatune = "", string memoryDevices = "", ulong memoryKiB = 4194304) => $$"""
        <domain type='kvm' id='7'>
          <name>numa-workstation</name>
          <uuid>9c1e6a52-2f4b-4d7e-8a61-3b5f0e2d4c19</uuid>
          <maxMemory slots='16' unit='KiB'>33554432</maxMemory>
          <memory unit='KiB'>{{memoryKiB}}</memory>
          <currentMemory unit='KiB'>{{memoryKiB}}</currentMemory>
          <memoryBacking>
            {{backing}}
          </memoryBacking>
          <vcpu placement='static'>8</vcpu>
          <cputune>
            <vcpupin vcpu='0' cpuset='2'/>
            <vcpupin vcpu='1' cpuset='3'/>
            <vcpupin vcpu='2' cpuset='4'/>
            <vcpupin vcpu='3' cpuset='5'/>
            <vcpupin vcpu='4' cpuset='10'/>
            <vcpupin vcpu='5' cpuset='11'/>
            <vcpupin vcpu='6' cpuset='12'/>
            <vcpupin vcpu='7' cpuset='13'/>
            <emulatorpin cpuset='0-1'/>
          </cputune>
          {{numatune}}
          <resource>
            <partition>/machine</partition>
          </resource>
          <os>
            <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
            <boot dev='hd'/>
          </os>
          <features>
            <acpi/>
            <apic/>
          </features>
          <cpu mode='host-passthrough' check='none' migratable='on'>
            <topology sockets='1' dies='1' cores='4' threads='2'/>
            <numa>
              <cell id='0' cpus='0-1' memory='1048576' unit='KiB'/>
              <cell id='1' cpus='2-3' memory='1048576' unit='KiB'/>
              <cell id='2' cpus='4-5' memory='1048576' unit='KiB'/>
              <cell id='3' cpus='6-7' memory='1048576' unit='KiB' discard='yes'/>
            </numa>
          </cpu>
          <clock offset='utc'/>
          <on_poweroff>destroy</on_poweroff>
          <on_reboot>restart</on_reboot>
          <on_crash>destroy</on_crash>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='pci' index='0' model='pcie-root'>
              <alias name='pcie.0'/>
            </controller>
            {{memoryDevices}}
            <memballoon model='none'/>
          </devices>
          <seclabel type='dynamic' model='dac' relabel='yes'>
            <label>+64055:+64055</label>
            <imagelabel>+64055:+64055</imagelabel>
          </seclabel>
        </domain>
        """;

    public const string Dimm1GPages = """
        <memory model='dimm'>
              <source>
                <pagesize unit='KiB'>1048576</pagesize>
                <nodemask>1</nodemask>
              </source>
              <target>
                <size unit='KiB'>1048576</size>
                <node>0</node>
              </target>
              <alias name='dimm0'/>
              <address type='dimm' slot='0' base='0x100000000'/>
            </memory>
        """;

    public const string FileNvdimm = """
        <memory model='nvdimm' access='shared'>
              <source>
                <path>/var/lib/libvirt/images/nvdimm.img</path>
              </source>
              <target>
                <size unit='KiB'>524288</size>
                <node>1</node>
                <label>
                  <size unit='KiB'>128</size>
                </label>
              </target>
              <alias name='nvdimm0'/>
              <address type='dimm' slot='1' base='0x140000000'/>
            </memory>
        """;

    /// <summary>libvirt's tests/qemuxml2argvdata/hugepages-numa-default-dimm.xml, the dimm's page size a parameter.</summary>
    public static string DefaultDimm(string name, ulong dimmPageKiB) => $"""
        <domain type='qemu'>
          <name>{name}</name>
          <uuid>63840878-0deb-4095-97e6-fc444d9bc9fa</uuid>
          <maxMemory slots='16' unit='KiB'>1099511627776</maxMemory>
          <memory unit='KiB'>2097152</memory>
          <currentMemory unit='KiB'>1048576</currentMemory>
          <memoryBacking>
            <hugepages/>
          </memoryBacking>
          <vcpu placement='static'>2</vcpu>
          <os>
            <type arch='x86_64' machine='pc'>hvm</type>
            <boot dev='hd'/>
          </os>
          <cpu mode='custom' match='exact' check='none'>
            <model fallback='forbid'>qemu64</model>
            <numa>
              <cell id='0' cpus='0-1' memory='1048576' unit='KiB'/>
            </numa>
          </cpu>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <memballoon model='none'/>
            <memory model='dimm'>
              <source>
                <nodemask>1-3</nodemask>
                <pagesize unit='KiB'>{dimmPageKiB}</pagesize>
              </source>
              <target>
                <size unit='KiB'>1048576</size>
                <node>0</node>
              </target>
              <address type='dimm' slot='0'/>
            </memory>
          </devices>
        </domain>
        """;
}
