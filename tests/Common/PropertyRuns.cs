using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Platform.Tests.Common;

/// <summary>
/// Runs FsCheck properties for a bounded time, as part of the ordinary test command: under each fixed seed (the
/// same inputs on every run, so what one run found shows again on the next) and under one fresh seed, printed in the
/// test output, so a failure found by chance replays. Environment: PLATFORM_FUZZ_SEED=n runs that seed alone;
/// PLATFORM_FUZZ_SCALE=k runs k times as many inputs per seed (a longer hunt by hand, docs/SECURITY-TESTING.md).
/// </summary>
internal static class PropertyRuns
{
    private static readonly ulong[] FixedSeeds = [1, 20261205, 0x5EED_F00D];

    /// <summary>How long one input may take: far above any parser's honest time, well below a hang.</summary>
    public static readonly TimeSpan PerInputBound = TimeSpan.FromSeconds(10);

    public static void Check(ITestOutputHelper output, string name, Property property, int inputsPerSeed)
    {
        var scale = int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_FUZZ_SCALE"), out var k) && k > 0 ? k : 1;
        var seeds = ulong.TryParse(Environment.GetEnvironmentVariable("PLATFORM_FUZZ_SEED"), out var only)
            ? [only]
            : FixedSeeds.Append(unchecked((ulong)System.Random.Shared.NextInt64())).ToArray();
        foreach (var seed in seeds)
        {
            var clock = Stopwatch.StartNew();
            var config = Config.QuickThrowOnFailure
                .WithMaxTest(inputsPerSeed * scale)
                .WithQuietOnSuccess(true)
                .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));
            try
            {
                FsCheck.Check.One(config, property);
            }
            catch (Exception e)
            {
                throw new XunitException($"{name} failed under seed {seed} (replay: PLATFORM_FUZZ_SEED={seed}):{Environment.NewLine}{e.Message}");
            }

            output.WriteLine($"{name}: {inputsPerSeed * scale} inputs under seed {seed} passed in {clock.ElapsedMilliseconds} ms");
        }
    }

    /// <summary>The call's result, or a failure naming the input when it runs past <see cref="PerInputBound"/> (a hang).</summary>
    public static T Bounded<T>(Func<T> call, object input)
    {
        // A thread of its own: blocking pool threads to wait on pool work starves the pool when tests run in parallel.
        var task = Task.Factory.StartNew(call, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            if (!task.Wait(PerInputBound))
            {
                throw new XunitException($"Still running after {PerInputBound.TotalSeconds} s on input: {Describe(input)}");
            }
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
        }

        return task.Result;
    }

    public static void Bounded(Action call, object input) => Bounded(() =>
    {
        call();
        return true;
    }, input);

    /// <summary>Arbitrary text as an attacker would send it: mostly ASCII with the punctuation parsers split on, some of any code point.</summary>
    public static Gen<string> HostileText(params string[] fragments) =>
        Gen.ListOf(Gen.Frequency(
                (6, Gen.Elements(fragments.Length > 0 ? fragments : [""])),
                (4, Gen.Choose(0x20, 0x7E).Select(c => ((char)c).ToString())),
                (2, Gen.Elements("\r", "\n", "\t", "\0", " ", "%", "%2", "%zz", "%C3", "%FF", "=", "&", "/", ";", ",", ":", "\"", "\\")),
                (1, Gen.Choose(0, 0xFFFF).Select(c => ((char)c).ToString()))))
            .Select(parts => string.Concat(parts));

    private static string Describe(object input) => input switch
    {
        byte[] bytes => Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 512))),
        _ => input.ToString() ?? "",
    };
}
