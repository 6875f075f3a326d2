namespace Platform.Api.Tests.TestEngine;

public static class Eventually
{
    /// <summary>Polls until the condition holds; fails with the message after the timeout.</summary>
    /// <param name="every">How often to look (100 ms unless said).</param>
    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string message, TimeSpan? every = null) =>
        TrueAsync(condition, timeout, () => message, every);

    /// <summary>As above, with a message made only on failure (a log read then, not before the wait).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> message, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(message());
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100));
        }
    }
}
