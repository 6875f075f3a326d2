using System.Reflection;

namespace Platform.ArchitectureTests.Violations;

/// <summary>
/// Two fake modules (Alpha, Beta), a fake kernel, composition root and HostAgent, declared in this
/// test assembly under <see cref="Root"/>. Beta and the compliant types follow every rule; the types
/// whose names say what they do break exactly one rule each.
/// </summary>
public static class FixtureLayouts
{
    public const string Root = "Platform.ArchitectureTests.Fixtures";

    private static readonly Assembly Fixtures = typeof(FixtureLayouts).Assembly;

    public static ModuleLayout Alpha { get; } = Module("Alpha");

    public static ModuleLayout Beta { get; } = Module("Beta");

    public static KernelLayout Kernel { get; } = new(Fixtures, Root + ".Shared");

    public static CompositionRootLayout ApiRoot { get; } = new(Fixtures, Fixtures.GetName().Name!, Root + ".Api");

    public static string HostAgentNamespace => Root + ".HostAgent";

    private static ModuleLayout Module(string name) =>
        new(name, Fixtures, $"{Root}.{name}", Fixtures, $"{Root}.{name}.Contracts", $"{Root}.{name}.Tests");
}
