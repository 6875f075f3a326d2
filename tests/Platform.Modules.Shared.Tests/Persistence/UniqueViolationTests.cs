using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Shared.Tests.Persistence;

/// <summary>Only a duplicate key is "already there": a row refused for another constraint is an error, not a duplicate.</summary>
public sealed class UniqueViolationTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public UniqueViolationTests()
    {
        _connection.Open();
        using var db = Open();
        db.Database.EnsureCreated();
    }

    [Fact]
    public async Task Given_a_duplicate_key_or_unique_value_Then_it_is_a_unique_violation()
    {
        await using (var db = Open())
        {
            db.Rows.Add(new Row { Id = 1, Name = "a", Code = "x" });
            await db.SaveChangesAsync();
        }

        await using (var db = Open())
        {
            db.Rows.Add(new Row { Id = 1, Name = "b", Code = "y" });
            Assert.True(UniqueViolation.Is(await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync())));
        }

        await using (var db = Open())
        {
            db.Rows.Add(new Row { Id = 2, Name = "c", Code = "x" });
            Assert.True(UniqueViolation.Is(await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync())));
        }
    }

    [Fact]
    public async Task Given_a_row_refused_for_a_missing_value_or_a_failed_check_Then_it_is_not_a_unique_violation()
    {
        await using (var db = Open())
        {
            db.Rows.Add(new Row { Id = 3, Name = null!, Code = "z" });
            Assert.False(UniqueViolation.Is(await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync())));
        }

        await using (var db = Open())
        {
            db.Rows.Add(new Row { Id = 4, Name = "d", Code = "w", Size = -1 });
            Assert.False(UniqueViolation.Is(await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync())));
        }
    }

    private RowsContext Open() => new(new DbContextOptionsBuilder<RowsContext>().UseSqlite(_connection).Options);

    public void Dispose() => _connection.Dispose();

    private sealed class Row
    {
        public int Id { get; init; }

        public required string Name { get; init; }

        public required string Code { get; init; }

        public int Size { get; init; }
    }

    private sealed class RowsContext(DbContextOptions<RowsContext> options) : DbContext(options)
    {
        public DbSet<Row> Rows => Set<Row>();

        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<Row>(r =>
        {
            r.Property(x => x.Id).ValueGeneratedNever();
            r.Property(x => x.Name).IsRequired();
            r.HasIndex(x => x.Code).IsUnique();
            r.ToTable(t => t.HasCheckConstraint("ck_size", "Size >= 0"));
        });
    }
}
