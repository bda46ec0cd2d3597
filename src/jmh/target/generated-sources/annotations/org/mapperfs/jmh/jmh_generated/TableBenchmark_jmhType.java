package org.mapperfs.jmh.jmh_generated;
public class TableBenchmark_jmhType extends TableBenchmark_jmhType_B3 {
}

