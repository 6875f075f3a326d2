using Microsoft.EntityFrameworkCore;

namespace Platform.ArchitectureTests.Fixtures.Beta;

internal static class BetaModule
{
    public static string Describe() => "beta";
}

internal sealed class BetaRepository;

internal sealed class BetaDbContext : DbContext;
