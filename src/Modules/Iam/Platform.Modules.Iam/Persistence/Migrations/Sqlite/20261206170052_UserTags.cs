using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class UserTags : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "tags",
                table: "iam_users",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "tags",
                table: "iam_users");
        }
    }
}
