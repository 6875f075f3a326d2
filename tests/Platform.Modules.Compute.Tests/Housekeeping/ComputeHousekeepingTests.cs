using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Compute.Images;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.Tests.Housekeeping;

/// <summary>The housekeeping job on the module's real database (SQLite file, migrations applied) and its image directory.</summary>
public sealed class ComputeHousekeepingTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compute-test-").FullName;
    private readonly Clock _clock = new();
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = _directory,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton<IBackgroundJobClient, NoJobs>();
        services.AddOptions<PlatformOptions>().Bind(configuration.GetSection(PlatformOptions.SectionName));
        services.AddComputeModule(configuration);
        _services = services.BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ComputeDbContext>().Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Terminated_instances_are_forgotten_after_the_retention_and_others_never()
    {
        await AddAsync(Instance("i-0000000000000000a", InstanceStates.Terminated, terminatedAt: _clock.Now.AddMinutes(-61)));
        await AddAsync(Instance("i-0000000000000000b", InstanceStates.Terminated, terminatedAt: _clock.Now.AddMinutes(-59)));
        await AddAsync(Instance("i-0000000000000000c", InstanceStates.Stopped));
        await AddAsync(Instance("i-0000000000000000d", InstanceStates.Running));

        Assert.Equal(new HousekeepingResult(1, 0), await RunAsync());
        Assert.Equal(["i-0000000000000000b", "i-0000000000000000c", "i-0000000000000000d"], await InstanceIdsAsync());
        Assert.Empty(await QueryAsync(db => db.InstanceTags.Where(t => t.InstanceId == "i-0000000000000000a").ToListAsync()));

        _clock.Now = _clock.Now.AddMinutes(2);
        Assert.Equal(new HousekeepingResult(1, 0), await RunAsync());
        Assert.Equal(new HousekeepingResult(0, 0), await RunAsync());
        Assert.Equal(["i-0000000000000000c", "i-0000000000000000d"], await InstanceIdsAsync());
    }

    [Fact]
    public async Task A_deregistered_image_goes_with_its_bytes_once_no_live_instance_was_launched_from_it()
    {
        var files = _services.GetRequiredService<ImageFiles>();
        foreach (var image in new[] { "ami-0000000000000000a", "ami-0000000000000000b", "ami-0000000000000000c" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(files.PathOf(image, "kernel"))!);
            await File.WriteAllTextAsync(files.PathOf(image, "kernel"), "kernel bytes");
        }

        await AddAsync(Image("ami-0000000000000000a", ImageStates.Deregistered));
        await AddAsync(Image("ami-0000000000000000b", ImageStates.Deregistered));
        await AddAsync(Image("ami-0000000000000000c", ImageStates.Available));
        // A stopped instance of b may start again, and its server may have to fetch b: b stays.
        await AddAsync(Instance("i-0000000000000000e", InstanceStates.Stopped, image: "ami-0000000000000000b"));
        await AddAsync(Instance("i-0000000000000000f", InstanceStates.Terminated, image: "ami-0000000000000000a", terminatedAt: _clock.Now));

        Assert.Equal(new HousekeepingResult(0, 1), await RunAsync());
        Assert.False(File.Exists(files.PathOf("ami-0000000000000000a", "kernel")));
        Assert.True(File.Exists(files.PathOf("ami-0000000000000000b", "kernel")));
        Assert.True(File.Exists(files.PathOf("ami-0000000000000000c", "kernel")));
        Assert.Equal(["ami-0000000000000000b", "ami-0000000000000000c"],
            await QueryAsync(db => db.Images.Select(m => m.Id).OrderBy(id => id).ToListAsync()));
    }

    private async Task<HousekeepingResult> RunAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ComputeHousekeepingJob>().RunAsync(CancellationToken.None);
    }

    private Task<List<string>> InstanceIdsAsync() => QueryAsync(db => db.Instances.Select(i => i.Id).OrderBy(id => id).ToListAsync());

    private async Task<T> QueryAsync<T>(Func<ComputeDbContext, Task<T>> query)
    {
        await using var scope = _services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ComputeDbContext>());
    }

    private async Task AddAsync(object entity)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
        db.Add(entity);
        await db.SaveChangesAsync();
    }

    private Instance Instance(string id, string state, DateTime? terminatedAt = null, string image = "ami-0000000000000000c") => new()
    {
        Id = id,
        AccountId = "111111111111",
        InstanceType = "t3.micro",
        ImageId = image,
        ImageFormat = "kernel",
        State = state,
        HostId = "h-00000000000000001",
        AvailabilityZone = "us-east-1a",
        DesiredPower = state == InstanceStates.Running ? DesiredPowers.Running : state == InstanceStates.Terminated ? DesiredPowers.Absent : DesiredPowers.Stopped,
        CreatedAt = _clock.Now.AddHours(-2),
        TerminatedAt = terminatedAt,
        Tags = [new InstanceTag { InstanceId = id, Key = "Name", Value = id }],
    };

    private MachineImage Image(string id, string state) => new()
    {
        Id = id,
        AccountId = "111111111111",
        Name = id,
        Format = "kernel",
        State = state,
        CreatedAt = _clock.Now.AddHours(-3),
    };

    private sealed class Clock : TimeProvider
    {
        public DateTime Now { get; set; } = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

        public override DateTimeOffset GetUtcNow() => new(Now);
    }

    private sealed class NoJobs : IBackgroundJobClient
    {
        public string Create(Job job, IState state) => "none";

        public bool ChangeState(string jobId, IState state, string expectedState) => false;
    }
}
