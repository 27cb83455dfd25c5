namespace HookDispatcher.Tests.Domain;

/// <summary>Live domain XML as libvirt 9 hands it to the hook (running state: <c>id=</c>, aliases, tap names).</summary>
internal static class DomainXmlFixtures
{
    public const string GamingVm = """
        <domain type='kvm' id='3' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
          <name>win11-gaming</name>
          <uuid>5b1f0d0c-3a0e-4a53-9b7e-2f6c1d7a8e91</uuid>
          <metadata>
            <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
              <libosinfo:os id="http://microsoft.com/win/11"/>
            </libosinfo:libosinfo>
          </metadata>
          <memory unit='KiB'>16777216</memory>
          <currentMemory unit='KiB'>16777216</currentMemory>
          <memoryBacking>
            <hugepages>
              <page size='1048576' unit='KiB' nodeset='0'/>
            </hugepages>
            <nosharepages/>
            <locked/>
          </memoryBacking>
          <vcpu placement='static'>8</vcpu>
          <iothreads>1</iothreads>
          <cputune>
            <vcpupin vcpu='0' cpuset='4'/>
            <vcpupin vcpu='1' cpuset='12'/>
            <vcpupin vcpu='2' cpuset='5'/>
            <vcpupin vcpu='3' cpuset='13'/>
            <vcpupin vcpu='4' cpuset='6'/>
            <vcpupin vcpu='5' cpuset='14'/>
            <vcpupin vcpu='6' cpuset='7'/>
            <vcpupin vcpu='7' cpuset='15'/>
            <emulatorpin cpuset='0,8'/>
            <iothreadpin iothread='1' cpuset='1,9'/>
            <vcpusched vcpus='0-7' scheduler='fifo' priority='1'/>
          </cputune>
          <numatune>
            <memory mode='strict' nodeset='0'/>
          </numatune>
          <resource>
            <partition>/machine</partition>
          </resource>
          <sysinfo type='smbios'>
            <system>
              <entry name='manufacturer'>ASUS</entry>
            </system>
          </sysinfo>
          <os firmware='efi'>
            <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
            <firmware>
              <feature enabled='yes' name='enrolled-keys'/>
              <feature enabled='yes' name='secure-boot'/>
            </firmware>
            <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>
            <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/win11-gaming_VARS.fd</nvram>
            <smbios mode='sysinfo'/>
          </os>
          <features>
            <acpi/>
            <apic/>
            <hyperv mode='custom'>
              <relaxed state='on'/>
              <vapic state='on'/>
              <spinlocks state='on' retries='8191'/>
              <vendor_id state='on' value='0123456789ab'/>
            </hyperv>
            <kvm>
              <hidden state='on'/>
            </kvm>
            <vmport state='off'/>
            <smm state='on'/>
          </features>
          <cpu mode='host-passthrough' check='none' migratable='on'>
            <topology sockets='1' dies='1' cores='4' threads='2'/>
            <cache mode='passthrough'/>
            <feature policy='require' name='topoext'/>
          </cpu>
          <clock offset='localtime'>
            <timer name='rtc' tickpolicy='catchup'/>
            <timer name='pit' tickpolicy='delay'/>
            <timer name='hpet' present='no'/>
            <timer name='hypervclock' present='yes'/>
          </clock>
          <on_poweroff>destroy</on_poweroff>
          <on_reboot>restart</on_reboot>
          <on_crash>destroy</on_crash>
          <pm>
            <suspend-to-mem enabled='no'/>
            <suspend-to-disk enabled='no'/>
          </pm>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <disk type='block' device='disk'>
              <driver name='qemu' type='raw' cache='none' io='native' discard='unmap' iothread='1'/>
              <source dev='/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_2TB_S6B0NL0T123456' index='1'/>
              <backingStore/>
              <target dev='sda' bus='sata'/>
              <boot order='1'/>
              <alias name='sata0-0-0'/>
              <address type='drive' controller='0' bus='0' target='0' unit='0'/>
            </disk>
            <controller type='usb' index='0' model='qemu-xhci' ports='15'>
              <alias name='usb'/>
              <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
            </controller>
            <controller type='pci' index='0' model='pcie-root'>
              <alias name='pcie.0'/>
            </controller>
            <controller type='pci' index='1' model='pcie-root-port'>
              <model name='pcie-root-port'/>
              <target chassis='1' port='0x10'/>
              <alias name='pci.1'/>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
            </controller>
            <controller type='sata' index='0'>
              <alias name='ide'/>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>
            </controller>
            <interface type='network'>
              <mac address='52:54:00:6b:3c:58'/>
              <source network='default' portid='0b6e1c0e-8d6f-4d0c-a1f3-54cbd6a1e2f0' bridge='virbr0'/>
              <target dev='vnet2'/>
              <model type='virtio'/>
              <alias name='net0'/>
              <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
            </interface>
            <input type='mouse' bus='ps2'>
              <alias name='input0'/>
            </input>
            <input type='keyboard' bus='ps2'>
              <alias name='input1'/>
            </input>
            <tpm model='tpm-crb'>
              <backend type='emulator' version='2.0'/>
              <alias name='tpm0'/>
            </tpm>
            <audio id='1' type='none'/>
            <hostdev mode='subsystem' type='pci' managed='no'>
              <driver name='vfio'/>
              <source>
                <address domain='0x0000' bus='0x0a' slot='0x00' function='0x0'/>
              </source>
              <alias name='hostdev0'/>
              <rom bar='on'/>
              <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0' multifunction='on'/>
            </hostdev>
            <hostdev mode='subsystem' type='pci' managed='no'>
              <driver name='vfio'/>
              <source>
                <address domain='0x0000' bus='0x0a' slot='0x00' function='0x1'/>
              </source>
              <alias name='hostdev1'/>
              <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x1'/>
            </hostdev>
            <hostdev mode='subsystem' type='usb' managed='yes'>
              <source>
                <vendor id='0x046d'/>
                <product id='0xc52b'/>
                <address bus='1' device='4'/>
              </source>
              <alias name='hostdev2'/>
              <address type='usb' bus='0' port='1'/>
            </hostdev>
            <memballoon model='none'/>
          </devices>
          <seclabel type='dynamic' model='apparmor' relabel='yes'>
            <label>libvirt-5b1f0d0c-3a0e-4a53-9b7e-2f6c1d7a8e91</label>
            <imagelabel>libvirt-5b1f0d0c-3a0e-4a53-9b7e-2f6c1d7a8e91</imagelabel>
          </seclabel>
          <seclabel type='dynamic' model='dac' relabel='yes'>
            <label>+64055:+994</label>
            <imagelabel>+64055:+994</imagelabel>
          </seclabel>
          <qemu:commandline>
            <qemu:arg value='-fw_cfg'/>
            <qemu:arg value='opt/ovmf/X-PciMmio64Mb,string=65536'/>
          </qemu:commandline>
        </domain>
        """;

    public const string Tiny = """
        <domain type='kvm' id='1'>
          <name>tiny</name>
          <uuid>0f6b1a2e-9d57-4c1b-8e3a-6a2d9c4b7f10</uuid>
          <memory unit='KiB'>65536</memory>
          <currentMemory unit='KiB'>65536</currentMemory>
          <vcpu placement='static'>1</vcpu>
          <resource>
            <partition>/machine</partition>
          </resource>
          <os>
            <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
            <boot dev='hd'/>
          </os>
          <clock offset='utc'/>
          <on_poweroff>destroy</on_poweroff>
          <on_reboot>restart</on_reboot>
          <on_crash>destroy</on_crash>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='usb' index='0' model='piix3-uhci'>
              <alias name='usb'/>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
            </controller>
            <controller type='pci' index='0' model='pci-root'>
              <alias name='pci.0'/>
            </controller>
            <serial type='pty'>
              <source path='/dev/pts/3'/>
              <target type='isa-serial' port='0'>
                <model name='isa-serial'/>
              </target>
              <alias name='serial0'/>
            </serial>
            <memballoon model='virtio'>
              <alias name='balloon0'/>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
            </memballoon>
          </devices>
          <seclabel type='none' model='none'/>
        </domain>
        """;
}
