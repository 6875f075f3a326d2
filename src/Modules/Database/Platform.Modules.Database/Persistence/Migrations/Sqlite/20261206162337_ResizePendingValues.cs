using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ResizePendingValues : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "pending_allocated_storage",
                table: "rds_db_instances",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "pending_instance_class",
                table: "rds_db_instances",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "resize_applying",
                table: "rds_db_instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "pending_allocated_storage",
                table: "rds_db_instances");

            migrationBuilder.DropColumn(
                name: "pending_instance_class",
                table: "rds_db_instances");

            migrationBuilder.DropColumn(
                name: "resize_applying",
                table: "rds_db_instances");
        }
    }
}
