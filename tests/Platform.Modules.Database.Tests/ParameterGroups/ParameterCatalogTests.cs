using Platform.Modules.Database.ParameterGroups;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Database.Tests.ParameterGroups;

public sealed class ParameterCatalogTests
{
    [Theory]
    [InlineData("max_connections", "100", "pending-reboot", null)]
    [InlineData("max_connections", "5", "pending-reboot", "InvalidParameterValue")]
    [InlineData("max_connections", "100", "immediate", "InvalidParameterCombination")]
    [InlineData("shared_buffers", "16384", null, null)]
    [InlineData("work_mem", "4096", "immediate", null)]
    [InlineData("work_mem", "4MB", "immediate", "InvalidParameterValue")]
    [InlineData("work_mem", "4096", "later", "ValidationError")]
    [InlineData("log_min_duration_statement", "-1", "immediate", null)]
    [InlineData("log_min_duration_statement", "-2", "immediate", "InvalidParameterValue")]
    [InlineData("log_statement", "ddl", "immediate", null)]
    [InlineData("log_statement", "everything", "immediate", "InvalidParameterValue")]
    [InlineData("fsync", "off", "immediate", "InvalidParameterValue")]
    [InlineData("work_mem", "", "immediate", "MissingParameter")]
    public void Given_a_change_Then_the_catalog_checks_name_value_and_apply_method(string name, string value, string? method, string? code)
    {
        var change = new ParameterChange(name, value, method);
        if (code is null)
        {
            Assert.Equal(name, ModifyDbParameterGroup.Validated(change).Name);
        }
        else
        {
            Assert.Equal(code, Assert.Throws<ApiException>(() => ModifyDbParameterGroup.Validated(change)).Code);
        }
    }

    [Fact]
    public void Given_the_catalog_Then_the_issue_settings_are_there_with_static_ones_marked()
    {
        Assert.True(ParameterCatalog.Find("max_connections")!.IsStatic);
        Assert.True(ParameterCatalog.Find("shared_buffers")!.IsStatic);
        Assert.False(ParameterCatalog.Find("work_mem")!.IsStatic);
        Assert.False(ParameterCatalog.Find("log_min_duration_statement")!.IsStatic);
        Assert.Equal(ParameterCatalog.Postgres15.Count, ParameterCatalog.Postgres15.Select(p => p.Name).Distinct().Count());
    }
}
