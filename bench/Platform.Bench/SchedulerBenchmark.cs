using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Scheduling;

namespace Platform.Bench;

/// <summary>
/// Places N instances of random types, one after another, over M simulated hosts in 3 zones, each
/// placement seeing the allocations of the ones before it (as launches do), and reports placements/s.
/// </summary>
internal static class SchedulerBenchmark
{
    public static int Run(Dictionary<string, string> options)
    {
        var hostCount = int.Parse(options.Get("hosts", "1000"), CultureInfo.InvariantCulture);
        var instanceCount = int.Parse(options.Get("instances", "10000"), CultureInfo.InvariantCulture);
        var random = new Random(42);
        var schedulerOptions = new SchedulerOptions();
        var types = InstanceTypeCatalog.All;

        // Warm the JIT on a throwaway fleet, then measure on a fresh one.
        Measure(Fleet(hostCount, new Random(1)), 2000, types, schedulerOptions, new Random(2));
        var (elapsed, placed, refused) = Measure(Fleet(hostCount, random), instanceCount, types, schedulerOptions, random);

        var result = new
        {
            hosts = hostCount,
            instances = instanceCount,
            placed,
            refused,
            seconds = Math.Round(elapsed.TotalSeconds, 3),
            placements_per_second = Math.Round(instanceCount / elapsed.TotalSeconds, 0),
            mean_microseconds = Math.Round(elapsed.TotalMicroseconds / instanceCount, 1),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private static List<HostCandidate> Fleet(int count, Random random) =>
        Enumerable.Range(0, count)
            .Select(i => new HostCandidate($"host-{i:D4}", $"az-{i % 3}", random.Next(8, 65), random.Next(32, 513) * 1024L, 0, 0))
            .ToList();

    private static (TimeSpan Elapsed, int Placed, int Refused) Measure(List<HostCandidate> hosts, int instances, IReadOnlyList<InstanceType> types,
        SchedulerOptions options, Random random)
    {
        var index = hosts.Select((h, i) => (h.HostId, i)).ToDictionary(p => p.HostId, p => p.i);
        int placed = 0, refused = 0;
        var started = Stopwatch.GetTimestamp();
        for (var n = 0; n < instances; n++)
        {
            var type = types[random.Next(types.Count)];
            var zone = random.Next(4) == 0 ? null : $"az-{random.Next(3)}";
            if (Scheduler.Place(type, zone, hosts, options) is PlacementDecision.Placed decision)
            {
                var i = index[decision.HostId];
                hosts[i] = hosts[i] with
                {
                    AllocatedVirtualCpus = hosts[i].AllocatedVirtualCpus + type.VirtualCpus,
                    AllocatedMemoryMiB = hosts[i].AllocatedMemoryMiB + type.MemoryMiB,
                };
                placed++;
            }
            else
            {
                refused++;
            }
        }

        return (Stopwatch.GetElapsedTime(started), placed, refused);
    }
}
