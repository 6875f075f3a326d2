namespace Platform.ArchitectureTests;

/// <summary>The boundaries of DESIGN.md, one theory per rule, one case per row of <see cref="ModuleTable"/>.</summary>
public sealed class ModuleBoundaryTests
{
    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Module_implementation_depends_on_no_other_module_implementation(string module) =>
        RuleAssert.Holds(BoundaryRules.ImplementationTypesDependOnNoOtherImplementation(
            ModuleTable.Layout(module), ModuleTable.OtherLayouts(module)));

    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Module_implementation_assembly_references_no_other_module_implementation_assembly(string module) =>
        RuleAssert.Holds(BoundaryRules.ImplementationAssemblyReferencesNoOtherImplementation(
            ModuleTable.Layout(module), ModuleTable.OtherLayouts(module)));

    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Contracts_depend_on_no_module_EF_Core_or_ASP_NET_Core(string module) =>
        RuleAssert.Holds(BoundaryRules.ContractsDependOnNoModuleNorFramework(
            ModuleTable.Layout(module), ModuleTable.AllLayouts()));

    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Contracts_depend_only_on_the_shared_kernel(string module) =>
        RuleAssert.Holds(BoundaryRules.ContractsDependOnlyOnKernel(ModuleTable.Layout(module), ModuleTable.Kernel()));

    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Module_implementation_types_are_not_public(string module) =>
        RuleAssert.Holds(BoundaryRules.ImplementationTypesAreNotPublic(ModuleTable.Layout(module)));

    [Fact]
    public void Shared_kernel_depends_on_no_module() =>
        RuleAssert.Holds(BoundaryRules.KernelDependsOnNoModule(
            ModuleTable.Kernel(), ModuleTable.AllLayouts(), ModuleTable.CompositionRoot));

    [Fact]
    public void Platform_Api_uses_only_contracts_kernel_and_module_registrars() =>
        RuleAssert.Holds(BoundaryRules.CompositionRootUsesOnlyContractsAndRegistrars(
            ModuleTable.Api(), ModuleTable.AllLayouts()));

    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Module_implementation_grants_internals_to_Platform_Api_and_its_own_tests_only(string module) =>
        RuleAssert.Holds(BoundaryRules.InternalsVisibleOnlyToCompositionRootAndOwnTests(
            ModuleTable.Layout(module), ModuleTable.CompositionRoot));

    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Module_DbContext_lives_only_in_its_implementation_not_in_contracts(string module)
    {
        var layout = ModuleTable.Layout(module);
        RuleAssert.Holds(BoundaryRules.DeclaresNoConcreteDbContext(
            $"{module} contracts", layout.Contracts, new InNamespace(layout.ContractsNamespace)));
    }

    [Fact]
    public void Shared_kernel_and_Platform_Api_declare_no_concrete_DbContext()
    {
        var kernel = ModuleTable.Kernel();
        var api = ModuleTable.Api();
        RuleAssert.Holds(RuleOutcome.Combine(
            "Shared kernel and Platform.Api declare no concrete DbContext",
            BoundaryRules.DeclaresNoConcreteDbContext("Shared kernel", kernel.Assembly, new WrittenByHand()),
            BoundaryRules.DeclaresNoConcreteDbContext(api.AssemblyName, api.Assembly, new CompositionRootOwnCode(null))));
    }

    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Module_references_no_other_module_DbContext(string module) =>
        RuleAssert.Holds(BoundaryRules.UsesNoOtherModulesDbContext(
            ModuleTable.Layout(module), ModuleTable.OtherLayouts(module)));

    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Module_types_reside_in_the_namespace_of_their_assembly(string module)
    {
        var layout = ModuleTable.Layout(module);
        RuleAssert.Holds(RuleOutcome.Combine(
            $"{module} types reside in their assembly's namespace",
            BoundaryRules.TypesResideUnder(
                $"{module} implementation", layout.Implementation, layout.ImplementationNamespace, layout.ContractsNamespace),
            BoundaryRules.TypesResideUnder($"{module} contracts", layout.Contracts, layout.ContractsNamespace)));
    }

    [Fact]
    public void Shared_kernel_types_reside_in_its_namespace()
    {
        var kernel = ModuleTable.Kernel();
        RuleAssert.Holds(BoundaryRules.TypesResideUnder("Shared kernel", kernel.Assembly, kernel.Namespace));
    }

    /// <summary>
    /// The table is only useful if it is complete: every module assembly Platform.Api brings into the
    /// output must have a row, and every row must have both assemblies.
    /// </summary>
    [Fact]
    public void Module_table_lists_every_module_assembly_in_the_output()
    {
        var inOutput = Directory.GetFiles(AppContext.BaseDirectory, ModuleTable.ModulePrefix + "*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Select(n => n!)
            .Where(n => n != ModuleTable.SharedKernel
                && !n.EndsWith(".Contracts", StringComparison.Ordinal)
                && !n.EndsWith(".Tests", StringComparison.Ordinal))
            .Select(n => n[ModuleTable.ModulePrefix.Length..])
            .Order(StringComparer.Ordinal);

        Assert.Equal(ModuleTable.Modules.Order(StringComparer.Ordinal), inOutput);
        Assert.All(ModuleTable.Modules, m => Assert.NotNull(ModuleTable.Layout(m)));
    }
}
