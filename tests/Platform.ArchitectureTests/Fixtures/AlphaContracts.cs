using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.ArchitectureTests.Fixtures.Beta.Contracts;
using Platform.ArchitectureTests.Fixtures.Shared;

namespace Platform.ArchitectureTests.Fixtures.Alpha.Contracts;

/// <summary>Compliant: kernel types, Mediator abstractions, the BCL.</summary>
public sealed record AlphaCreated(FixtureEntityId Id, DateTimeOffset At) : INotification;

/// <summary>Compliant: generic contracts.</summary>
public sealed record AlphaPage<T>(IReadOnlyList<T> Items, int Total);

/// <summary>Violation: a contract names another module's contract.</summary>
public sealed record AlphaQuotesBeta(BetaDto Beta);

/// <summary>Violation: a contract exposes EF Core.</summary>
public sealed class AlphaExposesEfCore
{
    public DbSet<AlphaCreated>? Rows { get; init; }
}

/// <summary>Violation: a concrete DbContext (through an abstract base) outside an implementation.</summary>
public sealed class AlphaContractsDbContext : FixtureDbContextBase;
