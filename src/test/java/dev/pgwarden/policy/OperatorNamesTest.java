package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.pgwarden.sql.SqlLexer;

/** Operator names as PostgreSQL's scanner cuts them (scan.l: trailing + and - of multi-character operators). */
class OperatorNamesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SELECT 1 @@ 2|@@",
            "SELECT a=-1 FROM t|= -",
            "SELECT a <=- b|<= -",
            "SELECT a *-+ b|* - +",
            "SELECT a @- b|@-",
            "SELECT a ?-+ b|?-+",
            "SELECT a OPERATOR(public.@@) b|@@",
            "SELECT count(*) FROM t WHERE a <> 'x--y'|* <>",
    })
    void namesAsPostgresSeesThem(String sql, String names) {
        assertEquals(Set.copyOf(List.of(names.split(" "))), OperatorNames.of(SqlLexer.lex(sql)), sql);
    }
}
