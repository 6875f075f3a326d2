using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class ImageNamesReusableAfterDeregistration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_images_account_id_name",
                schema: "compute",
                table: "images");

            migrationBuilder.CreateIndex(
                name: "IX_images_account_id_name",
                schema: "compute",
                table: "images",
                columns: new[] { "account_id", "name" },
                unique: true,
                filter: "state <> 'deregistered'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_images_account_id_name",
                schema: "compute",
                table: "images");

            migrationBuilder.CreateIndex(
                name: "IX_images_account_id_name",
                schema: "compute",
                table: "images",
                columns: new[] { "account_id", "name" },
                unique: true);
        }
    }
}
