using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Platform.Bench;

/// <summary>
/// Launch latency against a running API and HostAgent: N launches at once, each timed from the API's
/// answer (accepted, <c>pending</c>) to <c>running</c> and to the guest's console marker. Instances are
/// terminated between rounds. Prints JSON for bench/run.sh.
/// </summary>
internal static class LaunchBenchmark
{
    public static async Task<int> RunAsync(Dictionary<string, string> options)
    {
        using var http = new HttpClient { BaseAddress = new Uri(options.Get("url")), Timeout = TimeSpan.FromSeconds(60) };
        var api = new SigV4Client(http, options.Get("access-key"), options.Get("secret-key"));
        var image = options.Get("image");
        var consoles = options.Get("console-dir");
        var types = options.Get("instance-types", "t2.micro,t3.nano").Split(',');
        var rounds = int.Parse(options.Get("rounds", "3"), CultureInfo.InvariantCulture);
        var results = new List<object>();

        // Warm-up, not measured: the first launch after start-up pays for the API's JIT compilation, the agent's first
        // domain and QEMU's binary and the image coming into the page cache; instances launched later do not.
        await LaunchOneAsync(api, image, types[0], consoles);
        await TerminateAllAsync(api);

        foreach (var type in types)
        foreach (var count in options.Get("counts", "1,10").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)))
        {
            var samples = new List<(double Accept, double Running, double Marker)>();
            for (var round = 0; round < rounds; round++)
            {
                samples.AddRange(await Task.WhenAll(Enumerable.Range(0, count).Select(_ => LaunchOneAsync(api, image, type, consoles))));
                await TerminateAllAsync(api);
            }

            results.Add(new
            {
                instance_type = type,
                concurrent = count,
                launches = samples.Count,
                accept_p50_ms = Percentile(samples.Select(s => s.Accept), 50),
                running_p50_s = Percentile(samples.Select(s => s.Running), 50),
                running_max_s = samples.Max(s => s.Running),
                marker_p50_s = Percentile(samples.Select(s => s.Marker), 50),
                marker_p90_s = Percentile(samples.Select(s => s.Marker), 90),
                marker_max_s = samples.Max(s => s.Marker),
            });
        }

        Console.WriteLine(JsonSerializer.Serialize(new { rounds, results }));
        return 0;
    }

    private static async Task<(double Accept, double Running, double Marker)> LaunchOneAsync(SigV4Client api, string image, string type, string consoles)
    {
        var watch = Stopwatch.StartNew();
        var launched = JsonDocument.Parse(await api.SendAsync(HttpMethod.Post, "/api/v1/ec2/instances",
            JsonSerializer.Serialize(new Dictionary<string, string> { ["instance_type"] = type, ["image_id"] = image })));
        var accept = watch.Elapsed.TotalMilliseconds;
        var accepted = watch.Elapsed;
        var id = launched.RootElement.GetProperty("instance_id").GetString()!;
        double? running = null, marker = null;
        var console = Path.Combine(consoles, $"{id}.log");
        var text = new ConsoleTail(console, $"PLATFORM-GUEST-READY {id}");
        var nextState = TimeSpan.Zero;
        while (running is null || marker is null)
        {
            if (watch.Elapsed - accepted > TimeSpan.FromMinutes(3))
            {
                throw new TimeoutException($"{id} did not run and show its marker within 3 minutes.");
            }

            // The state every 200 ms, the console's new bytes every 50 ms: the client's own polling takes as little of
            // the machine the guests boot on as it can (ten launches at once share two cores with it).
            if (running is null && watch.Elapsed >= nextState)
            {
                nextState = watch.Elapsed + TimeSpan.FromMilliseconds(200);
                var state = JsonDocument.Parse(await api.SendAsync(HttpMethod.Get, $"/api/v1/ec2/instances/{id}")).RootElement.GetProperty("state").GetString();
                if (state == "running")
                {
                    running = (watch.Elapsed - accepted).TotalSeconds;
                }
            }

            if (marker is null && text.Shows())
            {
                marker = (watch.Elapsed - accepted).TotalSeconds;
            }

            await Task.Delay(50);
        }

        return (accept, running.Value, marker.Value);
    }

    private static async Task TerminateAllAsync(SigV4Client api)
    {
        var ids = JsonDocument.Parse(await api.SendAsync(HttpMethod.Get, "/api/v1/ec2/instances?state=running&state=pending")).RootElement
            .GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("instance_id").GetString()!).ToList();
        foreach (var id in ids)
        {
            await api.SendAsync(HttpMethod.Post, $"/api/v1/ec2/instances/{id}/terminate");
        }

        foreach (var id in ids)
        {
            while (JsonDocument.Parse(await api.SendAsync(HttpMethod.Get, $"/api/v1/ec2/instances/{id}")).RootElement.GetProperty("state").GetString() != "terminated")
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A console file read from where the last look stopped; a marker split between two looks is still found.</summary>
    private sealed class ConsoleTail(string path, string marker)
    {
        private long _offset;
        private string _carry = "";

        public bool Shows()
        {
            if (!File.Exists(path))
            {
                return false;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < _offset)
            {
                _offset = 0; // truncated: the guest's console starts again at each boot
            }

            stream.Seek(_offset, SeekOrigin.Begin);
            var added = new StreamReader(stream).ReadToEnd();
            _offset = stream.Position;
            var window = _carry + added;
            if (window.Contains(marker, StringComparison.Ordinal))
            {
                return true;
            }

            _carry = window.Length > marker.Length ? window[^marker.Length..] : window;
            return false;
        }
    }

    private static double Percentile(IEnumerable<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1;
        return Math.Round(sorted[Math.Clamp(rank, 0, sorted.Count - 1)], 2);
    }
}
