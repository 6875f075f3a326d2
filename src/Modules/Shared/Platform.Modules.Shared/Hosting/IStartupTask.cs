namespace Platform.Modules.Shared.Hosting;

/// <summary>Work a module needs done once before the API serves: migrations, bootstrap records.</summary>
public interface IStartupTask
{
    /// <summary>Lower runs first. Migrations use 0; work that needs the schema uses 100 and above.</summary>
    int Order { get; }

    Task RunAsync(CancellationToken cancellationToken);
}
