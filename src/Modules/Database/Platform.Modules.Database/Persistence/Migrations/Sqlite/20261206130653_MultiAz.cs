using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class MultiAz : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "multi_az",
                table: "rds_db_instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "primary_side",
                table: "rds_db_instances",
                type: "TEXT",
                maxLength: 1,
                nullable: false,
                defaultValue: "a");

            migrationBuilder.AddColumn<string>(
                name: "replication_password_protected",
                table: "rds_db_instances",
                type: "TEXT",
                maxLength: 512,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "replication_term",
                table: "rds_db_instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "secondary_availability_zone",
                table: "rds_db_instances",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "standby_synchronous",
                table: "rds_db_instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "multi_az",
                table: "rds_db_instances");

            migrationBuilder.DropColumn(
                name: "primary_side",
                table: "rds_db_instances");

            migrationBuilder.DropColumn(
                name: "replication_password_protected",
                table: "rds_db_instances");

            migrationBuilder.DropColumn(
                name: "replication_term",
                table: "rds_db_instances");

            migrationBuilder.DropColumn(
                name: "secondary_availability_zone",
                table: "rds_db_instances");

            migrationBuilder.DropColumn(
                name: "standby_synchronous",
                table: "rds_db_instances");
        }
    }
}
