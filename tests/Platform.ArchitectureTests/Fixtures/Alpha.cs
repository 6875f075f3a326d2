using Platform.ArchitectureTests.Fixtures.Beta;
using Platform.ArchitectureTests.Fixtures.Beta.Contracts;

namespace Platform.ArchitectureTests.Fixtures.Alpha;

/// <summary>The registrar: the only implementation type the composition root may name.</summary>
internal static class AlphaModule
{
    public static string Describe() => "alpha";
}

/// <summary>Compliant: another module's contracts are fine.</summary>
internal sealed class UsesBetaContracts
{
    public BetaDto? Beta { get; init; }
}

/// <summary>Violation: another module's implementation, inside a method body.</summary>
internal sealed class ReachesIntoBeta
{
    public static object Create() => new BetaRepository();
}

/// <summary>Violation hidden in a lambda: the dependency sits in a compiler-generated closure.</summary>
internal sealed class ReachesIntoBetaInALambda
{
    public Func<object> Factory { get; } = () => new BetaRepository();
}

/// <summary>Violation: another module's DbContext (its tables).</summary>
internal sealed class ReadsBetaTables
{
    public BetaDbContext? Context { get; init; }
}

/// <summary>Violation: implementation types are internal.</summary>
public sealed class PublicAlphaType;

/// <summary>Compliant: a public type nested in an internal one is not visible outside the assembly.</summary>
internal sealed class AlphaOuter
{
    public sealed class NestedPublic;
}
