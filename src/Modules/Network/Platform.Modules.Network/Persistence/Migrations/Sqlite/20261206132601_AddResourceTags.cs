using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class AddResourceTags : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "network_resource_tags",
                columns: table => new
                {
                    resource_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    resource_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_resource_tags", x => new { x.resource_id, x.key });
                });

            migrationBuilder.CreateIndex(
                name: "IX_network_resource_tags_account_id",
                table: "network_resource_tags",
                column: "account_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "network_resource_tags");
        }
    }
}
