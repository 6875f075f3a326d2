using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class AddResourceTags : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "resource_tags",
                schema: "network",
                columns: table => new
                {
                    resource_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    key = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    resource_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    value = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_resource_tags", x => new { x.resource_id, x.key });
                });

            migrationBuilder.CreateIndex(
                name: "IX_resource_tags_account_id",
                schema: "network",
                table: "resource_tags",
                column: "account_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "resource_tags",
                schema: "network");
        }
    }
}
