namespace Platform.Tests.Common;

internal static class Repository
{
    /// <summary>The checkout the tests run from: the folder above the test output that holds Platform.sln.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Platform.sln not found above the test output");
    }
}
