using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class AddVolumeTags : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "volume_tags",
                schema: "storage",
                columns: table => new
                {
                    resource_id = table.Column<string>(type: "nvarchar(22)", maxLength: 22, nullable: false),
                    key = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    resource_type = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    value = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_volume_tags", x => new { x.resource_id, x.key });
                });

            migrationBuilder.CreateIndex(
                name: "IX_volume_tags_account_id",
                schema: "storage",
                table: "volume_tags",
                column: "account_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "volume_tags",
                schema: "storage");
        }
    }
}
