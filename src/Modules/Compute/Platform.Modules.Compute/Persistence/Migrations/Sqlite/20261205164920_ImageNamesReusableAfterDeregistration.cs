using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ImageNamesReusableAfterDeregistration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_compute_images_account_id_name",
                table: "compute_images");

            migrationBuilder.CreateIndex(
                name: "IX_compute_images_account_id_name",
                table: "compute_images",
                columns: new[] { "account_id", "name" },
                unique: true,
                filter: "state <> 'deregistered'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_compute_images_account_id_name",
                table: "compute_images");

            migrationBuilder.CreateIndex(
                name: "IX_compute_images_account_id_name",
                table: "compute_images",
                columns: new[] { "account_id", "name" },
                unique: true);
        }
    }
}
