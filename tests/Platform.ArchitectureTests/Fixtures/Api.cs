using Platform.ArchitectureTests.Fixtures.Alpha;
using Platform.ArchitectureTests.Fixtures.Alpha.Contracts;
using Platform.ArchitectureTests.Fixtures.Beta;
using Platform.ArchitectureTests.Fixtures.Shared;

namespace Platform.ArchitectureTests.Fixtures.Api;

/// <summary>Compliant: registrars, contracts, kernel.</summary>
internal static class Composition
{
    public static object Compose() => (AlphaModule.Describe(), new AlphaCreated(new FixtureEntityId(Guid.Empty), default));
}

/// <summary>Violation: the composition root reaches past the registrar.</summary>
internal static class ApiReachingIntoBeta
{
    public static object Build() => new BetaRepository();
}
