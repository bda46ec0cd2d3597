package org.mapperfs.jmh.jmh_generated;
public class TableBuildBenchmark_jmhType extends TableBuildBenchmark_jmhType_B3 {
}

