using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Contracts;

namespace Platform.Api.Tests.Rds;

/// <summary>One API with two availability zones (a DB subnet group needs both) and a small storage quota, shared by a class.</summary>
public sealed class RdsPlatform : IAsyncLifetime
{
    public const int StorageQuotaGiB = 40;

    public PlatformApp App { get; } = new(runJobs: false, settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
        ["Rds:StorageQuotaGiB"] = StorageQuotaGiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public HttpClient RootClient() => App.SignedClient(App.RootCredentials);

    public Task InitializeAsync()
    {
        _ = App.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        try
        {
            Directory.Delete(App.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The guest's desired database, as Compute asks the Database module for it.</summary>
    public async Task<DesiredDatabase> DesiredAsync(string resourceId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var managed = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DescribeManagedDatabase(resourceId, "vol-data"));
        return JsonSerializer.Deserialize<DesiredDatabase>(managed!.DesiredDatabaseJson, AgentApi.Json)!;
    }

    /// <summary>What Compute publishes when a database guest reports: here the test is the guest.</summary>
    public async Task ReportAsync(string resourceId, DatabaseReport report)
    {
        await using var scope = App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(new DatabaseGuestReported(resourceId, JsonSerializer.Serialize(report, AgentApi.Json)));
    }
}

/// <summary>A tenant's network for DB instances: a VPC, a subnet in each zone, a DB subnet group over them.</summary>
internal sealed record TenantNetwork(string VpcId, string SubnetA, string SubnetB, string DefaultGroupId)
{
    public static async Task<TenantNetwork> CreateAsync(HttpClient client, string cidrPrefix)
    {
        var vpc = (await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = $"{cidrPrefix}.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var a = (await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = $"{cidrPrefix}.1.0/24", availability_zone = "us-east-1a" })).AssertOkAsync())
            .GetProperty("subnet_id").GetString()!;
        var b = (await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = $"{cidrPrefix}.2.0/24", availability_zone = "us-east-1b" })).AssertOkAsync())
            .GetProperty("subnet_id").GetString()!;
        var groups = await (await client.GetAsync($"/api/v1/vpc/security-groups?vpc_id={vpc}")).AssertOkAsync();
        var defaultGroup = groups.GetProperty("security_groups").EnumerateArray().Single(g => g.GetProperty("group_name").GetString() == "default").GetProperty("group_id").GetString()!;
        return new TenantNetwork(vpc, a, b, defaultGroup);
    }
}
