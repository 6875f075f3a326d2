using System.Reflection;
using Xunit.Abstractions;

namespace Platform.ArchitectureTests;

/// <summary>
/// HostAgent rules. The HostAgent projects do not exist yet; the test project references every
/// src/HostAgent/*/*.csproj by wildcard, so once they exist their assemblies land in the output
/// and these rules check them without anyone editing this file.
/// </summary>
public sealed class HostAgentBoundaryTests(ITestOutputHelper output)
{
    public const string NoneBuiltYet = "(no Platform.HostAgent* assembly in the test output yet)";

    /// <summary>Every Platform.HostAgent* assembly in the output, or one visible placeholder row.</summary>
    public static TheoryData<string> HostAgentAssemblies()
    {
        var present = PresentHostAgentAssemblies();
        return present.Count == 0 ? [NoneBuiltYet] : [.. present];
    }

    [Theory]
    [MemberData(nameof(HostAgentAssemblies))]
    public void HostAgent_assembly_depends_on_no_module_and_not_on_Platform_Api(string assemblyName)
    {
        if (assemblyName == NoneBuiltYet)
        {
            output.WriteLine("Nothing to check: " + NoneBuiltYet);
            return;
        }

        RuleAssert.Holds(BoundaryRules.HostAgentDependsOnNoModuleNorApi(
            Assembly.Load(assemblyName),
            scope: null,
            forbiddenNamespaces: ["Platform.Modules", ModuleTable.CompositionRoot],
            isForbiddenAssemblyName: IsModuleOrApi));
    }

    /// <summary>Platform.Api, the kernel and every module may use Platform.HostAgent.Protocol and nothing else of the agent.</summary>
    [Fact]
    public void Platform_Api_and_modules_reference_no_HostAgent_assembly_but_Protocol()
    {
        var agentOnly = PresentHostAgentAssemblies()
            .Where(n => n != ModuleTable.HostAgentProtocol)
            .Select(Assembly.Load)
            .ToList();
        var agentTypes = agentOnly
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsNested && TypeScopes.IsWithin(t.Namespace, ModuleTable.HostAgentPrefix)
                && !TypeScopes.IsWithin(t.Namespace, ModuleTable.HostAgentProtocol))
            .Select(t => t.FullName!)
            .ToList();
        output.WriteLine(agentOnly.Count == 0
            ? "No HostAgent assembly other than Protocol in the output: only assembly references were checked."
            : $"Checking against {string.Join(", ", agentOnly.Select(a => a.GetName().Name))}.");

        var api = ModuleTable.Api();
        var kernel = ModuleTable.Kernel();
        var checkedAssemblies = new List<(Assembly Assembly, NetArchTest.Rules.ICustomRule OwnCode)>
        {
            (api.Assembly, new CompositionRootOwnCode(null)),
            (kernel.Assembly, new WrittenByHand()),
        };
        foreach (var module in ModuleTable.AllLayouts())
        {
            checkedAssemblies.Add((module.Implementation, new WrittenByHand()));
            checkedAssemblies.Add((module.Contracts, new WrittenByHand()));
        }

        var rule = "Platform.Api, the kernel and modules use Platform.HostAgent.Protocol only";
        var offenders = new List<string>();
        foreach (var (assembly, ownCode) in checkedAssemblies)
        {
            var name = assembly.GetName().Name;
            offenders.AddRange(assembly.GetReferencedAssemblies()
                .Select(r => r.Name!)
                .Where(r => r.StartsWith(ModuleTable.HostAgentPrefix, StringComparison.Ordinal) && r != ModuleTable.HostAgentProtocol)
                .Select(r => $"{name} references assembly {r}"));
            if (agentTypes.Count > 0)
            {
                offenders.AddRange(RuleOutcome.From(rule, NetArchTest.Rules.Types.InAssembly(assembly).That()
                    .MeetCustomRule(ownCode).ShouldNot().HaveDependencyOnAny([.. agentTypes]).GetResult()).Offenders);
            }
        }

        RuleAssert.Holds(new RuleOutcome(rule, offenders));
    }

    /// <summary>Guards the wildcard reference: each HostAgent project in the tree must be in the output.</summary>
    [Fact]
    public void Every_HostAgent_project_in_the_source_tree_is_built_into_the_test_output()
    {
        var root = RepositoryRoot();
        var hostAgentSources = Path.Combine(root, "src", "HostAgent");
        var projects = Directory.Exists(hostAgentSources)
            ? Directory.GetFiles(hostAgentSources, "*.csproj", SearchOption.AllDirectories)
                .Select(Path.GetFileNameWithoutExtension)
                .Select(n => n!)
                .ToList()
            : [];
        output.WriteLine(projects.Count == 0 ? "No HostAgent projects under src/HostAgent yet." : string.Join(", ", projects));

        var missing = projects.Except(PresentHostAgentAssemblies()).ToList();
        Assert.True(missing.Count == 0,
            "HostAgent projects missing from the architecture test output (check the wildcard ProjectReference): "
            + string.Join(", ", missing));
    }

    private static bool IsModuleOrApi(string assemblyName) =>
        assemblyName == ModuleTable.CompositionRoot
        || assemblyName.StartsWith(ModuleTable.ModulePrefix, StringComparison.Ordinal);

    private static List<string> PresentHostAgentAssemblies() =>
        [.. Directory.GetFiles(AppContext.BaseDirectory, ModuleTable.HostAgentPrefix + "*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Select(n => n!)
            .Where(n => !n.EndsWith(".Tests", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }
}
