using Microsoft.EntityFrameworkCore;
using Platform.ArchitectureTests.Fixtures.Alpha.Contracts;

namespace Platform.ArchitectureTests.Fixtures.Shared;

public sealed record FixtureEntityId(Guid Value);

/// <summary>Abstract DbContext bases own no tables: allowed in the kernel.</summary>
public abstract class FixtureDbContextBase : DbContext;

/// <summary>Violation: the kernel knows a module.</summary>
public sealed class KernelReachingIntoAlpha
{
    public AlphaCreated? Leak { get; init; }
}
