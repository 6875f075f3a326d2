using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Metrics and reboot with nothing simulated: the API process, a HostAgent process on qemu:///system and this machine's
/// Open vSwitch, a real guest that pings its subnet's gateway. Its CPU, disk and NIC counters reach the metrics
/// endpoint; a reboot through the API boots it a second time (its console shows the marker twice) and only once.
/// </summary>
public sealed class MetricsEndToEndTests
{
    [Fact]
    public async Task Given_a_real_guest_Then_its_metrics_show_cpu_disk_and_network_use_and_a_reboot_boots_it_exactly_once_more()
    {
        await using var cloud = await RealCloud.StartAsync();
        var root = cloud.Root;
        var pings = Convert.ToBase64String("#!/bin/sh\nsleep 1\nping -c 20 -i 0.5 -W 1 172.31.0.1\n"u8.ToArray());
        var id = await cloud.LaunchAsync(new { instance_type = "t3.nano", image_id = cloud.ImageId, user_data = pings });
        await root.WaitForStateAsync(id, "running", TimeSpan.FromSeconds(90));
        await cloud.ConsoleShowsAsync(id, $"PLATFORM-GUEST-READY {id}");

        JsonElement metrics = default;
        await Eventually.TrueAsync(async () =>
        {
            metrics = await (await root.GetAsync($"/api/v1/ec2/instances/{id}/metrics?period=60")).AssertOkAsync();
            return Total(metrics, "CPUUtilization") > 0 && Total(metrics, "DiskReadBytes") > 0 && Total(metrics, "NetworkPacketsOut") >= 5;
        }, TimeSpan.FromSeconds(90), $"the metrics never showed the guest's work: {metrics}");
        Assert.InRange(Datapoints(metrics, "CPUUtilization").Max(), 0.1, 100);
        Assert.True(Total(metrics, "DiskReadOps") > 0);
        Assert.True(Total(metrics, "NetworkOut") >= 5 * 42, metrics.ToString());
        // QEMU reports the balloon (the instance type's memory) and the guest process's resident memory.
        Assert.Equal(512d * 1024 * 1024, Datapoints(metrics, "MemoryActual").Max());
        Assert.True(Datapoints(metrics, "MemoryRSS").Max() > 0);

        var reboot = await (await root.PostAsync($"/api/v1/ec2/instances/{id}/reboot", null)).AssertOkAsync();
        Assert.Equal("running", reboot.GetProperty("current_state").GetString());
        await Eventually.TrueAsync(() => Task.FromResult(Boots(cloud.ConsoleText(id, 0)) >= 2), TimeSpan.FromSeconds(90),
            $"no second boot; console:\n{cloud.ConsoleText(id, 0)}\nagent log:\n{cloud.Agent.Output}");
        // It honoured the ACPI button; nothing reset it afterwards.
        Assert.Contains("PLATFORM-GUEST-POWER-OFF", cloud.ConsoleText(id, 0), StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Equal(2, Boots(cloud.ConsoleText(id, 0)));
        Assert.Equal("running", await root.StateAsync(id));

        await (await root.PostAsync($"/api/v1/ec2/instances/{id}/terminate", null)).AssertOkAsync();
        await root.WaitForStateAsync(id, "terminated", TimeSpan.FromSeconds(120));
    }

    private static int Boots(string console) => Regex.Count(console, "PLATFORM-GUEST-READY ");

    private static List<double> Datapoints(JsonElement metrics, string name) =>
        metrics.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric_name").GetString() == name).GetProperty("datapoints").EnumerateArray()
            .Select(d => d.GetProperty("value").GetDouble()).ToList();

    private static double Total(JsonElement metrics, string name) => Datapoints(metrics, name).Sum();
}
