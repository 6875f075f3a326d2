using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Database.Instances;
using Platform.Modules.Shared.Errors;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Database.Tests.Instances;

/// <summary>RDS's input rules for a DB instance: each bad value gets RDS's code, each good one passes.</summary>
public sealed class InstanceSettingsTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("", "MissingParameter")]
    [InlineData("1234567", "InvalidParameterValue")]
    [InlineData("has space1", "InvalidParameterValue")]
    [InlineData("with/slash", "InvalidParameterValue")]
    [InlineData("with@at-sign", "InvalidParameterValue")]
    [InlineData("with\"quote", "InvalidParameterValue")]
    [InlineData("naïve-password", "InvalidParameterValue")]
    public void Given_a_bad_password_Then_it_is_refused(string password, string code) =>
        Assert.Equal(code, Assert.Throws<ApiException>(() => InstanceSettings.CheckPassword(password)).Code);

    [Fact]
    public void Given_any_password_Then_it_passes_exactly_when_it_is_8_to_128_printable_ASCII_without_slash_quote_at_or_space()
    {
        var text = Gen.Frequency(
                (5, Gen.Choose(0x21, 0x7E).Select(c => (char)c)),
                (1, Gen.Elements('/', '"', '@', ' ', 'é', '\t', '\0')))
            .ListOf().Select(chars => new string([.. chars]));
        PropertyRuns.Check(output, "password rule", Prop.ForAll(text.ToArbitrary(), password =>
        {
            var expected = password.Length is >= 8 and <= 128 && password.All(c => c is > ' ' and <= '~' and not '/' and not '"' and not '@');
            var passed = true;
            try
            {
                InstanceSettings.CheckPassword(password);
            }
            catch (ApiException)
            {
                passed = false;
            }

            return passed == expected;
        }), 300);
    }

    [Theory]
    [InlineData(4, false)]
    [InlineData(5, true)]
    [InlineData(65536, true)]
    [InlineData(65537, false)]
    [InlineData(-1, false)]
    public void Given_a_storage_size_Then_5_to_65536_GiB_pass(int gib, bool ok)
    {
        if (ok)
        {
            InstanceSettings.CheckStorage(gib);
        }
        else
        {
            Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => InstanceSettings.CheckStorage(gib)).Code);
        }
    }

    [Fact]
    public void Given_the_class_table_Then_every_class_is_known_with_its_resources_and_unknown_ones_are_refused()
    {
        Assert.All(InstanceClasses.All, c =>
        {
            Assert.Same(c, InstanceSettings.CheckClass(c.Name));
            Assert.InRange(c.GuestMemoryMiB, 128, c.MemoryGiB * 1024);
            Assert.InRange(c.GuestVcpus, 1, c.Vcpus);
        });
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => InstanceSettings.CheckClass("db.t3.mega")).Code);
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => InstanceSettings.CheckClass("DB.T3.MICRO")).Code);
    }

    [Theory]
    [InlineData("postgres", "15", null)]
    [InlineData("postgres", null, null)]
    [InlineData("postgres", "15.4", null)]
    [InlineData("postgres", "14", "InvalidParameterCombination")]
    [InlineData("postgres", "150", "InvalidParameterCombination")]
    [InlineData("mysql", "8.0", "InvalidParameterValue")]
    [InlineData(null, "15", "MissingParameter")]
    public void Given_an_engine_Then_only_postgres_15_passes(string? engine, string? version, string? code)
    {
        if (code is null)
        {
            InstanceSettings.CheckEngine(engine, version);
        }
        else
        {
            Assert.Equal(code, Assert.Throws<ApiException>(() => InstanceSettings.CheckEngine(engine, version)).Code);
        }
    }

    [Theory]
    [InlineData("app", true)]
    [InlineData("App_1", true)]
    [InlineData("postgres", false)]
    [InlineData("rdsadmin", false)]
    [InlineData("pg_monitor", false)]
    [InlineData("1app", false)]
    [InlineData("app-user", false)]
    public void Given_a_master_username_Then_reserved_and_malformed_ones_are_refused(string username, bool ok)
    {
        if (ok)
        {
            InstanceSettings.CheckUsername(username);
        }
        else
        {
            Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => InstanceSettings.CheckUsername(username)).Code);
        }
    }

    [Theory]
    [InlineData("orders", "orders")]
    [InlineData("Orders-2", "orders-2")]
    [InlineData("a", "a")]
    public void Given_a_good_identifier_Then_it_is_kept_in_lower_case(string identifier, string kept) =>
        Assert.Equal(kept, RdsNames.Identifier(identifier, "DBInstanceIdentifier", 63));

    [Theory]
    [InlineData("9lives")]
    [InlineData("ends-")]
    [InlineData("two--hyphens")]
    [InlineData("under_score")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void Given_a_bad_identifier_Then_it_is_InvalidParameterValue(string identifier) =>
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => RdsNames.Identifier(identifier, "DBInstanceIdentifier", 63)).Code);
}
