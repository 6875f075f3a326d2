using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using NetArchTest.Rules;

namespace Platform.ArchitectureTests;

/// <summary>
/// The boundary rules as functions of layouts. Production tests and violation tests call the
/// same functions; only the layouts differ.
/// </summary>
/// <remarks>
/// NetArchTest matches a dependency name against a type's full name segment by segment, so the
/// namespace "Platform.Modules.Iam" also matches everything in "Platform.Modules.Iam.Contracts".
/// Rules that must allow contracts therefore forbid the exact full names of the other module's
/// implementation types, read from its assembly, instead of its root namespace.
/// </remarks>
public static class BoundaryRules
{
    private static readonly string[] FrameworksContractsMustNotUse =
        ["Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore"];

    public static RuleOutcome ImplementationTypesDependOnNoOtherImplementation(
        ModuleLayout module, IEnumerable<ModuleLayout> others)
    {
        var rule = $"{module.Name} implementation depends on no other module's implementation types";
        return ShouldNotDependOnAny(rule, ImplementationTypes(module), [.. others.SelectMany(ImplementationTypeNames)]);
    }

    public static RuleOutcome ImplementationAssemblyReferencesNoOtherImplementation(
        ModuleLayout module, IEnumerable<ModuleLayout> others)
    {
        var rule = $"{module.Name} implementation assembly references no other module's implementation assembly";
        return AssemblyReferencesNone(rule, module.Implementation, others.Select(o => o.Implementation));
    }

    public static RuleOutcome ContractsDependOnNoModuleNorFramework(
        ModuleLayout module, IEnumerable<ModuleLayout> allModules)
    {
        var all = allModules.ToList();
        var forbidden = all.Where(m => m.Name != module.Name).Select(m => m.ContractsNamespace)
            .Concat(all.SelectMany(ImplementationTypeNames))
            .Concat(FrameworksContractsMustNotUse)
            .ToArray();
        var rule = $"{module.Name} contracts depend on no other module, no implementation, no EF Core, no ASP.NET Core";
        return ShouldNotDependOnAny(rule, ContractTypes(module), forbidden);
    }

    /// <summary>Whitelist form of the same boundary: the BCL, Mediator's abstractions, the kernel and itself.</summary>
    public static RuleOutcome ContractsDependOnlyOnKernel(ModuleLayout module, KernelLayout kernel)
    {
        string[] allowed = ["System", "Mediator", kernel.Namespace, module.ContractsNamespace];
        var rule = $"{module.Name} contracts depend only on {string.Join(", ", allowed)}";
        return RuleOutcome.From(rule, ContractTypes(module).Should().OnlyHaveDependenciesOn(allowed).GetResult());
    }

    public static RuleOutcome ImplementationTypesAreNotPublic(ModuleLayout module) =>
        RuleOutcome.From(
            $"{module.Name} implementation types are not visible outside the assembly",
            ImplementationTypes(module).Should().MeetCustomRule(new NotVisibleOutsideAssembly()).GetResult());

    public static RuleOutcome KernelDependsOnNoModule(
        KernelLayout kernel, IEnumerable<ModuleLayout> modules, string compositionRootNamespace)
    {
        var all = modules.ToList();
        var rule = "Shared kernel depends on no module and not on the composition root";
        var types = ShouldNotDependOnAny(
            rule,
            Types.InAssembly(kernel.Assembly).That().MeetCustomRule(new InNamespace(kernel.Namespace)),
            [.. all.Select(m => m.ImplementationNamespace), .. all.Select(m => m.ContractsNamespace), compositionRootNamespace]);
        var references = AssemblyReferencesNone(
            rule, kernel.Assembly, all.SelectMany(m => new[] { m.Implementation, m.Contracts }));
        return RuleOutcome.Combine(rule, types, references);
    }

    public static RuleOutcome CompositionRootUsesOnlyContractsAndRegistrars(
        CompositionRootLayout root, IEnumerable<ModuleLayout> modules)
    {
        var forbidden = modules
            .SelectMany(m => ImplementationTypeNames(m).Where(name => name != m.RegistrarFullName))
            .ToArray();
        return ShouldNotDependOnAny(
            $"{root.AssemblyName} (own code) uses no module implementation type except the registrars",
            Types.InAssembly(root.Assembly).That().MeetCustomRule(new CompositionRootOwnCode(root.OwnCodeNamespace)),
            forbidden);
    }

    public static RuleOutcome InternalsVisibleOnlyToCompositionRootAndOwnTests(
        ModuleLayout module, string compositionRootAssemblyName)
    {
        var granted = module.Implementation.GetCustomAttributes<InternalsVisibleToAttribute>()
            .Select(a => a.AssemblyName.Split(',')[0].Trim())
            .ToHashSet(StringComparer.Ordinal);
        string[] expected = [compositionRootAssemblyName, module.TestAssemblyName];
        var offenders = granted.Except(expected).Where(g => g != ModuleTable.BenchmarkAssembly).Select(g => $"grants internals to unexpected assembly {g}")
            .Concat(expected.Except(granted).Select(e => $"does not grant internals to {e}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        return new RuleOutcome(
            $"{module.Name} implementation grants InternalsVisibleTo exactly {string.Join(" and ", expected)}",
            offenders);
    }

    /// <summary>
    /// A concrete DbContext is a module's own: it may only live in an implementation. Abstract bases
    /// (e.g. one with outbox plumbing in the kernel) own no tables and are allowed anywhere.
    /// </summary>
    public static RuleOutcome DeclaresNoConcreteDbContext(string what, Assembly assembly, ICustomRule scope) =>
        RuleOutcome.From(
            $"{what} declares no concrete DbContext (each module's DbContext lives in its implementation)",
            Types.InAssembly(assembly).That().AreNotAbstract().And().MeetCustomRule(scope)
                .ShouldNot().Inherit(typeof(DbContext)).GetResult());

    public static RuleOutcome UsesNoOtherModulesDbContext(ModuleLayout module, IEnumerable<ModuleLayout> others)
    {
        var rule = $"{module.Name} references no other module's DbContext";
        var foreignContexts = others.SelectMany(DbContextTypeNames).ToArray();
        return RuleOutcome.Combine(
            rule,
            ShouldNotDependOnAny(rule, ImplementationTypes(module), foreignContexts),
            ShouldNotDependOnAny(rule, ContractTypes(module), foreignContexts));
    }

    /// <summary>Name-based rules are only sound if every type sits under its assembly's namespace.</summary>
    public static RuleOutcome TypesResideUnder(string what, Assembly assembly, string scope, string? excluded = null) =>
        RuleOutcome.From(
            $"{what} types reside in {scope}" + (excluded is null ? "" : $" and not in {excluded}"),
            Types.InAssembly(assembly).That().MeetCustomRule(new WrittenByHand())
                .Should().MeetCustomRule(new InNamespace(scope, excluded)).GetResult());

    /// <summary>
    /// A HostAgent assembly's types and assembly references name no module and no composition root.
    /// <paramref name="scope"/> narrows the assembly to one namespace (fixtures); production passes null.
    /// </summary>
    public static RuleOutcome HostAgentDependsOnNoModuleNorApi(
        Assembly hostAgent,
        string? scope,
        IReadOnlyList<string> forbiddenNamespaces,
        Func<string, bool> isForbiddenAssemblyName)
    {
        var name = hostAgent.GetName().Name;
        var rule = $"{name} depends on no module and not on the composition root";
        ICustomRule ownCode = scope is null ? new WrittenByHand() : new InNamespace(scope);
        var selection = Types.InAssembly(hostAgent).That().MeetCustomRule(ownCode);

        var types = ShouldNotDependOnAny(rule, selection, [.. forbiddenNamespaces]);
        var references = hostAgent.GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(isForbiddenAssemblyName)
            .Select(r => $"{name} references assembly {r}")
            .ToList();
        return RuleOutcome.Combine(rule, types, new RuleOutcome(rule, references));
    }

    /// <summary>Full names of a module's top-level implementation types (nested types match through them).</summary>
    public static IReadOnlyList<string> ImplementationTypeNames(ModuleLayout module) =>
        [.. module.Implementation.GetTypes()
            .Where(t => !t.IsNested
                && TypeScopes.IsWithin(t.Namespace, module.ImplementationNamespace)
                && !TypeScopes.IsWithin(t.Namespace, module.ContractsNamespace))
            .Select(t => t.FullName!)];

    public static IReadOnlyList<string> DbContextTypeNames(ModuleLayout module) =>
        [.. module.Implementation.GetTypes()
            .Where(t => typeof(DbContext).IsAssignableFrom(t)
                && TypeScopes.IsWithin(t.Namespace, module.ImplementationNamespace))
            .Select(t => t.FullName!)];

    public static PredicateList ImplementationTypes(ModuleLayout module) =>
        Types.InAssembly(module.Implementation).That()
            .MeetCustomRule(new InNamespace(module.ImplementationNamespace, module.ContractsNamespace));

    public static PredicateList ContractTypes(ModuleLayout module) =>
        Types.InAssembly(module.Contracts).That().MeetCustomRule(new InNamespace(module.ContractsNamespace));

    private static RuleOutcome ShouldNotDependOnAny(string rule, PredicateList selection, string[] forbidden) =>
        forbidden.Length == 0
            ? RuleOutcome.Holding(rule)
            : RuleOutcome.From(rule, selection.ShouldNot().HaveDependencyOnAny(forbidden).GetResult());

    private static RuleOutcome AssemblyReferencesNone(string rule, Assembly assembly, IEnumerable<Assembly> forbidden)
    {
        var own = assembly.GetName().Name;
        var forbiddenNames = forbidden.Select(a => a.GetName().Name).Where(n => n != own).ToHashSet(StringComparer.Ordinal);
        return new RuleOutcome(
            rule,
            [.. assembly.GetReferencedAssemblies()
                .Where(r => forbiddenNames.Contains(r.Name!))
                .Select(r => $"{own} references assembly {r.Name}")]);
    }
}
