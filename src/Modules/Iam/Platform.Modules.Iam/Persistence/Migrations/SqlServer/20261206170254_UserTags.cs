using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class UserTags : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "tags",
                schema: "iam",
                table: "users",
                type: "nvarchar(max)",
                nullable: false,
                defaultValue: "[]");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "tags",
                schema: "iam",
                table: "users");
        }
    }
}
