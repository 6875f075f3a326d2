using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class RetainedAutomatedBackups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "rds_retained_automated_backups",
                columns: table => new
                {
                    resource_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    instance_identifier = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    engine = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    engine_version = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    instance_class = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    allocated_storage = table.Column<int>(type: "INTEGER", nullable: false),
                    master_username = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    master_password_protected = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    port = table.Column<int>(type: "INTEGER", nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    subnet_group_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    security_group_ids = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    parameter_group_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    backup_retention_period = table.Column<int>(type: "INTEGER", nullable: false),
                    preferred_backup_window = table.Column<string>(type: "TEXT", maxLength: 11, nullable: false),
                    preferred_maintenance_window = table.Column<string>(type: "TEXT", maxLength: 19, nullable: false),
                    earliest_restorable_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    latest_restorable_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    instance_create_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    backup_cipher_protected = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    retained_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_retained_automated_backups", x => x.resource_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_rds_retained_automated_backups_account_id",
                table: "rds_retained_automated_backups",
                column: "account_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "rds_retained_automated_backups");
        }
    }
}
