using System.Reflection;

namespace Platform.ArchitectureTests;

/// <summary>
/// Where one module's code lives, as the rules see it. Production modules and the violation
/// fixtures are both described this way, so the same rule code checks both.
/// </summary>
/// <param name="Name">Short module name, e.g. "Iam"; the registrar is <c>{ImplementationNamespace}.{Name}Module</c>.</param>
/// <param name="Implementation">Assembly holding the implementation types.</param>
/// <param name="ImplementationNamespace">Root namespace of the implementation (contains <paramref name="ContractsNamespace"/> by convention).</param>
/// <param name="Contracts">Assembly holding the contract types.</param>
/// <param name="ContractsNamespace">Root namespace of the contracts.</param>
/// <param name="TestAssemblyName">The module's own test project, the only one besides the composition root that may see internals.</param>
public sealed record ModuleLayout(
    string Name,
    Assembly Implementation,
    string ImplementationNamespace,
    Assembly Contracts,
    string ContractsNamespace,
    string TestAssemblyName)
{
    public string RegistrarFullName => $"{ImplementationNamespace}.{Name}Module";

    public override string ToString() => Name;
}

/// <summary>The shared kernel: one assembly, one root namespace.</summary>
public sealed record KernelLayout(Assembly Assembly, string Namespace);

/// <summary>
/// The composition root (Platform.Api). <paramref name="OwnCodeNamespace"/> narrows the assembly to
/// one namespace; null means the whole assembly, which is the production case.
/// </summary>
public sealed record CompositionRootLayout(Assembly Assembly, string AssemblyName, string? OwnCodeNamespace);
