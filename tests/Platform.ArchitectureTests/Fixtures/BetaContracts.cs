namespace Platform.ArchitectureTests.Fixtures.Beta.Contracts;

public sealed record BetaDto(Guid Id);
