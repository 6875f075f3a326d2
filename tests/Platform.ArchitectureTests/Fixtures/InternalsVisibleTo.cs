using System.Runtime.CompilerServices;

// The fixtures' "implementation assembly" is this test assembly: it grants what a module grants
// (composition root, the module's own tests) plus one stranger, which the rule must report.
[assembly: InternalsVisibleTo("Platform.Api")]
[assembly: InternalsVisibleTo("Platform.ArchitectureTests.Fixtures.Alpha.Tests")]
[assembly: InternalsVisibleTo("Platform.ArchitectureTests.Fixtures.Stranger")]
