using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Tests.Hosts;

/// <summary>
/// A DB instance's guest reaches its server only with its database: the agent gives a domain its management channel when it
/// defines it, so a guest defined in the window between the launch's commit and its data volume's would never be configured
/// (a restored instance on a server that already had the image stayed <c>creating</c> in a real run).
/// </summary>
public sealed class ManagedGuestHoldBackTests
{
    private static readonly Dictionary<string, DesiredDatabase> None = new(StringComparer.Ordinal);

    private static Instance Guest(string state, string? managedBy = ManagedModules.Rds) => new()
    {
        Id = "i-0123456789abcdef0", AccountId = "123456789012", InstanceType = "t3.micro", ImageId = "ami-0123456789abcdef0", ImageFormat = "kernel",
        State = state, HostId = "h-1", AvailabilityZone = "us-east-1a", DesiredPower = DesiredPowers.Running, PrivateIpAddress = "10.0.1.5",
        ManagedBy = managedBy, ManagedResourceId = managedBy is null ? null : "db-ABCDEFGHIJKLMNOPQRSTUVWXY0",
    };

    [Fact]
    public void Given_a_pending_DB_guest_whose_database_cannot_be_composed_yet_Then_it_is_held_back() =>
        Assert.True(HostDesiredStates.HeldBack(Guest(InstanceStates.Pending), None));

    [Fact]
    public void Given_its_database_composed_Then_it_goes_to_the_server()
    {
        var database = new DesiredDatabase("orders", "db-ABCDEFGHIJKLMNOPQRSTUVWXY0", "postgres", "15", "app", "correct-horse-battery", 5432, "vol-0123456789abcdef0",
            new Dictionary<string, string>(), 1, new DatabaseTls("cert", "key", "ca"));
        Assert.False(HostDesiredStates.HeldBack(Guest(InstanceStates.Pending), new Dictionary<string, DesiredDatabase> { ["i-0123456789abcdef0"] = database }));
    }

    [Theory]
    [InlineData(InstanceStates.Running)]
    [InlineData(InstanceStates.Stopped)]
    public void Given_a_DB_guest_that_has_run_Then_it_stays_whatever_the_Database_module_says(string state) =>
        Assert.False(HostDesiredStates.HeldBack(Guest(state), None));

    [Fact]
    public void Given_a_tenants_instance_Then_it_is_never_held_back() =>
        Assert.False(HostDesiredStates.HeldBack(Guest(InstanceStates.Pending, managedBy: null), None));
}
