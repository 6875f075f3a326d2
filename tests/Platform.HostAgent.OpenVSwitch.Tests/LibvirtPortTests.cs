using System.Xml.Linq;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.OpenVSwitch.Flows;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// How a guest NIC meets the switch: libvirt (qemu:///system) adds the domain's tap device to the
/// bridge with external_ids iface-id/attached-mac/vm-id when the domain starts, the agent finds it by
/// iface-id, learns its OpenFlow port and installs its flows; libvirt removes the port when the domain stops.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class LibvirtPortTests
{
    [Fact]
    public void Given_an_interface_id_Then_the_uuid_and_tap_name_are_stable_and_valid()
    {
        Assert.Equal(GuestInterfaceId.For("eni-0123"), GuestInterfaceId.For("eni-0123"));
        Assert.NotEqual(GuestInterfaceId.For("eni-0123"), GuestInterfaceId.For("eni-0124"));
        Assert.True(Guid.TryParse(GuestInterfaceId.For("eni-0123"), out _));
        Assert.Equal('8', GuestInterfaceId.For("eni-0123")[14]);
        Assert.Equal(14, GuestInterfaceId.TapName("eni-0123").Length);
    }

    [OvsFact]
    public async Task Given_a_domain_with_an_openvswitch_virtualport_When_it_runs_Then_its_port_is_found_by_interface_id_and_gets_flows()
    {
        var suffix = Shell.NewSuffix();
        var bridge = "brv" + suffix;
        var eni = "eni-" + suffix;
        var interfaceId = GuestInterfaceId.For(eni);
        var tap = GuestInterfaceId.TapName(eni);
        const string mac = "52:54:00:12:34:56";
        await using var database = new OpenVSwitchDatabase();
        await database.EnsureBridgeAsync(new BridgeSpec(bridge));
        using var connection = LibvirtConnection.Open("qemu:///system");
        var xml = new DomainDefinition { Name = "i-ovs" + suffix, MemoryMiB = 64, VirtualCpus = 1 }.ToXml();
        // The element the agent's domain XML needs for a guest NIC (what InterfaceDefinition should write).
        var nic = $"""
            <interface type='bridge'>
              <source bridge='{bridge}'/>
              <virtualport type='openvswitch'><parameters interfaceid='{interfaceId}'/></virtualport>
              <target dev='{tap}'/>
              <mac address='{mac}'/>
              <model type='virtio'/>
            </interface>
            """;
        var document = XDocument.Parse(xml);
        document.Root!.Element("devices")!.Add(XElement.Parse(nic));
        using var domain = connection.DefineDomain(document.ToString());
        try
        {
            domain.Start();
            var port = await database.FindPortByInterfaceIdAsync(interfaceId);
            Assert.NotNull(port);
            Assert.Equal(tap, port.Name);
            Assert.Equal(bridge, port.Bridge);
            Assert.Equal(mac, port.AttachedMac);
            Assert.Equal(domain.Uuid.ToString("D"), port.ExternalIds["vm-id"]);
            Assert.True(await database.WaitForOfPortAsync(tap, TimeSpan.FromSeconds(10)) > 0);

            var result = await new IntegrationBridge(database).ApplyAsync(new NetworkDesiredState
            {
                Bridge = bridge,
                Vpcs = [new VpcIsolation { VpcId = "vpc-l", LocalVlan = 12, Vni = 12 }],
                Ports = [new PortSecurity { InterfaceId = interfaceId, Mac = mac, Ip = "10.0.0.5", VpcId = "vpc-l" }],
            });
            var resolved = Assert.Single(result.Ports);
            Assert.Equal((await database.FindPortByInterfaceIdAsync(interfaceId))!.OfPort, resolved.OfPort);
            Assert.Equal(12, (await database.FindPortByInterfaceIdAsync(interfaceId))!.Tag);
            Assert.Contains($"in_port={resolved.OfPort},", result.Flows, StringComparison.Ordinal);

            domain.Destroy();
            Assert.Null(await database.FindPortByInterfaceIdAsync(interfaceId));
        }
        finally
        {
            if (domain.IsActive)
            {
                domain.Destroy();
            }

            domain.Undefine();
            await database.RemoveBridgeAsync(bridge);
        }
    }
}
