using System.Reflection;

namespace Platform.ArchitectureTests;

/// <summary>
/// The one table of modules. Every rule is generated from it, so adding a module here adds its
/// rules, and no rule can name the wrong assembly by hand.
/// </summary>
public static class ModuleTable
{
    public const string CompositionRoot = "Platform.Api";
    public const string SharedKernel = "Platform.Modules.Shared";
    public const string ModulePrefix = "Platform.Modules.";
    public const string HostAgentPrefix = "Platform.HostAgent";
    public const string HostAgentProtocol = "Platform.HostAgent.Protocol";

    /// <summary>The benchmarks may see a module's internals too (they time its domain services); nothing else may.</summary>
    public const string BenchmarkAssembly = "Platform.Bench";

    public static readonly IReadOnlyList<string> Modules =
        ["Iam", "Compute", "Storage", "Network", "Database", "Billing", "Audit"];

    public static TheoryData<string> ModuleNames => [.. Modules];

    public static ModuleLayout Layout(string name)
    {
        var implementation = ModulePrefix + name;
        var contracts = implementation + ".Contracts";
        return new ModuleLayout(
            name,
            Assembly.Load(implementation),
            implementation,
            Assembly.Load(contracts),
            contracts,
            implementation + ".Tests");
    }

    public static IReadOnlyList<ModuleLayout> AllLayouts() => [.. Modules.Select(Layout)];

    public static IReadOnlyList<ModuleLayout> OtherLayouts(string name) =>
        [.. Modules.Where(m => m != name).Select(Layout)];

    public static KernelLayout Kernel() => new(Assembly.Load(SharedKernel), SharedKernel);

    /// <summary>Production Platform.Api: the whole assembly is its own code (the rules drop generated code).</summary>
    public static CompositionRootLayout Api() => new(Assembly.Load(CompositionRoot), CompositionRoot, null);
}
