using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Network.Tests.Handlers;

internal static class TestAccounts
{
    /// <summary>A fresh account per test, so tests sharing a database never see each other's VPCs.</summary>
    public static string New() => ResourceIds.NewAccountId();

    public static async Task<ApiException> AssertFailsAsync(Func<Task> work, string code, int status = 400)
    {
        var error = await Assert.ThrowsAsync<ApiException>(work);
        Assert.Equal(code, error.Code);
        Assert.Equal(status, error.StatusCode);
        return error;
    }
}
