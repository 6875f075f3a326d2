using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class AddRdsEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "rds_db_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    source_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    source_identifier = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    message = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    categories = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    date = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_db_events", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_rds_db_events_account_id_date",
                table: "rds_db_events",
                columns: new[] { "account_id", "date" });

            migrationBuilder.CreateIndex(
                name: "IX_rds_db_events_date",
                table: "rds_db_events",
                column: "date");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "rds_db_events");
        }
    }
}
