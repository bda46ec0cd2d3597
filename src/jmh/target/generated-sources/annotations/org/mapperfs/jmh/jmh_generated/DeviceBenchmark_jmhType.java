package org.mapperfs.jmh.jmh_generated;
public class DeviceBenchmark_jmhType extends DeviceBenchmark_jmhType_B3 {
}

