using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class IsolationIdsNeverReused : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "network_isolation_ids",
                columns: table => new
                {
                    isolation_id = table.Column<int>(type: "INTEGER", nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    allocated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_isolation_ids", x => x.isolation_id);
                });

            // The VPCs that exist hold their ids; ids of VPCs deleted before this migration were not recorded anywhere.
            migrationBuilder.Sql("INSERT INTO network_isolation_ids (isolation_id, vpc_id, allocated_at) SELECT isolation_id, id, created_at FROM network_vpcs;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "network_isolation_ids");
        }
    }
}
