using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.Accounts;

/// <summary>
/// On first start, creates the management account and its root access key, prints the key once and
/// writes it to <c>root-credentials.json</c> in the data directory, readable by its owner only.
/// </summary>
internal sealed class BootstrapManagementAccount(IServiceScopeFactory scopes, IOptions<PlatformOptions> options, ILogger<BootstrapManagementAccount> logger)
    : IStartupTask
{
    public const string AccountName = "management";
    public const string CredentialsFileName = "root-credentials.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public int Order => 100;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IamDbContext>();
        if (await db.Accounts.AnyAsync(a => a.IsManagement, cancellationToken))
        {
            return;
        }

        CreatedAccountResponse created;
        try
        {
            created = await AccountFactory.CreateAsync(db, scope.ServiceProvider.GetRequiredService<ISecretProtector>(), AccountName, isManagement: true, cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another replica made it first; its key is in its own output and data directory.
            return;
        }

        var path = Path.Combine(options.Value.DataDirectory, CredentialsFileName);
        var document = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["account_id"] = created.AccountId,
            ["access_key_id"] = created.RootAccessKey.AccessKeyId,
            ["secret_access_key"] = created.RootAccessKey.SecretAccessKey,
        }, Indented);
        PrivateFile.Write(path, document, overwrite: true);

        // The secret goes to the file only: logs travel to journald and log shippers, where it must never be.
        logger.LogWarning(
            "Created the management account {AccountId}. Root access key {AccessKeyId}; its secret is in {Path} (mode 0600), and nowhere else",
            created.AccountId, created.RootAccessKey.AccessKeyId, path);
    }
}
