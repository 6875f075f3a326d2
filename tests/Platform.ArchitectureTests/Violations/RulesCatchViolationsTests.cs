using static Platform.ArchitectureTests.Violations.FixtureLayouts;

namespace Platform.ArchitectureTests.Violations;

/// <summary>
/// The production rules pass trivially while modules are empty. These tests run the very same rule
/// functions over the fixtures and require each violation to be reported by name, and each compliant
/// neighbour not to be.
/// </summary>
public sealed class RulesCatchViolationsTests
{
    private const string AlphaNs = Root + ".Alpha";
    private const string AlphaContractsNs = Root + ".Alpha.Contracts";

    [Fact]
    public void Implementation_using_another_implementation_is_reported_but_its_contracts_are_allowed()
    {
        var outcome = BoundaryRules.ImplementationTypesDependOnNoOtherImplementation(Alpha, [Beta]);

        // The lambda's body lives in a compiler-generated closure; it is reported as its declaring type.
        AssertReports(
            outcome, $"{AlphaNs}.ReachesIntoBeta", $"{AlphaNs}.ReadsBetaTables", $"{AlphaNs}.ReachesIntoBetaInALambda");
        AssertSpares(outcome, $"{AlphaNs}.UsesBetaContracts", $"{AlphaNs}.AlphaModule");
    }

    [Fact]
    public void Compliant_module_passes_the_implementation_rule() =>
        RuleAssert.Holds(BoundaryRules.ImplementationTypesDependOnNoOtherImplementation(Beta, [Alpha]));

    [Fact]
    public void Assembly_reference_to_a_forbidden_assembly_is_reported()
    {
        // Fixture modules share one assembly, so stand in a real referenced assembly as Beta's implementation.
        var betaElsewhere = Beta with { Implementation = typeof(NetArchTest.Rules.Types).Assembly };

        var outcome = BoundaryRules.ImplementationAssemblyReferencesNoOtherImplementation(Alpha, [betaElsewhere]);

        Assert.False(outcome.Holds);
        Assert.Contains("Platform.ArchitectureTests references assembly NetArchTest.Rules", outcome.Offenders);
    }

    [Fact]
    public void Contracts_naming_other_modules_or_EF_Core_are_reported()
    {
        var outcome = BoundaryRules.ContractsDependOnNoModuleNorFramework(Alpha, [Alpha, Beta]);

        AssertReports(outcome, $"{AlphaContractsNs}.AlphaQuotesBeta", $"{AlphaContractsNs}.AlphaExposesEfCore");
        AssertSpares(outcome, $"{AlphaContractsNs}.AlphaCreated", $"{AlphaContractsNs}.AlphaPage`1");
    }

    [Fact]
    public void Contracts_depending_on_anything_but_the_kernel_are_reported()
    {
        var outcome = BoundaryRules.ContractsDependOnlyOnKernel(Alpha, Kernel);

        AssertReports(outcome, $"{AlphaContractsNs}.AlphaQuotesBeta", $"{AlphaContractsNs}.AlphaExposesEfCore");
        AssertSpares(outcome, $"{AlphaContractsNs}.AlphaCreated", $"{AlphaContractsNs}.AlphaPage`1");
    }

    [Fact]
    public void Public_implementation_type_is_reported()
    {
        var outcome = BoundaryRules.ImplementationTypesAreNotPublic(Alpha);

        AssertReports(outcome, $"{AlphaNs}.PublicAlphaType");
        AssertSpares(outcome, $"{AlphaNs}.AlphaModule", $"{AlphaNs}.UsesBetaContracts", $"{AlphaNs}.AlphaOuter");
    }

    [Fact]
    public void Kernel_depending_on_a_module_is_reported()
    {
        var outcome = BoundaryRules.KernelDependsOnNoModule(Kernel, [Alpha, Beta], ApiRoot.OwnCodeNamespace!);

        AssertReports(outcome, $"{Root}.Shared.KernelReachingIntoAlpha");
        AssertSpares(outcome, $"{Root}.Shared.FixtureEntityId", $"{Root}.Shared.FixtureDbContextBase");
    }

    [Fact]
    public void Composition_root_past_the_registrar_is_reported()
    {
        var outcome = BoundaryRules.CompositionRootUsesOnlyContractsAndRegistrars(ApiRoot, [Alpha, Beta]);

        AssertReports(outcome, $"{Root}.Api.ApiReachingIntoBeta");
        AssertSpares(outcome, $"{Root}.Api.Composition");
    }

    [Fact]
    public void Unexpected_InternalsVisibleTo_grant_is_reported()
    {
        var outcome = BoundaryRules.InternalsVisibleOnlyToCompositionRootAndOwnTests(Alpha, ModuleTable.CompositionRoot);

        Assert.Equal([$"grants internals to unexpected assembly {Root}.Stranger"], outcome.Offenders);
    }

    [Fact]
    public void Missing_InternalsVisibleTo_grant_is_reported()
    {
        var outcome = BoundaryRules.InternalsVisibleOnlyToCompositionRootAndOwnTests(Beta, ModuleTable.CompositionRoot);

        Assert.Contains($"does not grant internals to {Root}.Beta.Tests", outcome.Offenders);
    }

    [Fact]
    public void Concrete_DbContext_outside_an_implementation_is_reported_even_through_a_base_class()
    {
        var outcome = BoundaryRules.DeclaresNoConcreteDbContext(
            "Alpha contracts", Alpha.Contracts, new InNamespace(Alpha.ContractsNamespace));

        AssertReports(outcome, $"{AlphaContractsNs}.AlphaContractsDbContext");
        RuleAssert.Holds(BoundaryRules.DeclaresNoConcreteDbContext(
            "fixture kernel (abstract base only)", Kernel.Assembly, new InNamespace(Kernel.Namespace)));
    }

    [Fact]
    public void Using_another_module_DbContext_is_reported()
    {
        Assert.Equal([$"{Root}.Beta.BetaDbContext"], BoundaryRules.DbContextTypeNames(Beta));

        var outcome = BoundaryRules.UsesNoOtherModulesDbContext(Alpha, [Beta]);

        AssertReports(outcome, $"{AlphaNs}.ReadsBetaTables");
        AssertSpares(outcome, $"{AlphaNs}.ReachesIntoBeta", $"{AlphaNs}.UsesBetaContracts");
    }

    [Fact]
    public void Type_outside_its_assembly_namespace_is_reported()
    {
        var outcome = BoundaryRules.TypesResideUnder("fixture Alpha", Alpha.Implementation, AlphaNs, AlphaContractsNs);

        AssertReports(outcome, $"{Root}.Beta.BetaRepository", $"{AlphaContractsNs}.AlphaCreated");
        AssertSpares(outcome, $"{AlphaNs}.AlphaModule");
    }

    [Fact]
    public void HostAgent_depending_on_a_module_is_reported()
    {
        var outcome = BoundaryRules.HostAgentDependsOnNoModuleNorApi(
            typeof(FixtureLayouts).Assembly,
            HostAgentNamespace,
            [AlphaNs, Beta.ImplementationNamespace, ApiRoot.OwnCodeNamespace!],
            name => name == "NetArchTest.Rules");

        AssertReports(outcome, $"{HostAgentNamespace}.AgentKnowsAlpha");
        AssertSpares(outcome, $"{HostAgentNamespace}.AgentHeartbeat");
        Assert.Contains("Platform.ArchitectureTests references assembly NetArchTest.Rules", outcome.Offenders);
    }

    private static void AssertReports(RuleOutcome outcome, params string[] offenders)
    {
        Assert.False(outcome.Holds, $"Expected a violation of: {outcome.Rule}");
        foreach (var offender in offenders)
        {
            Assert.Contains(offender, outcome.Offenders);
            Assert.Contains(offender, outcome.ToString(), StringComparison.Ordinal);
        }
    }

    private static void AssertSpares(RuleOutcome outcome, params string[] compliant)
    {
        foreach (var type in compliant)
        {
            Assert.DoesNotContain(outcome.Offenders, o => o == type || o.StartsWith(type + "/", StringComparison.Ordinal)
                || o.StartsWith(type + "+", StringComparison.Ordinal));
        }
    }
}
