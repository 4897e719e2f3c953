import java.util.*;
public class HashOrder {
  public static void main(String[] a) throws Exception {
    // ops on stdin: "+name" adds, "-name" removes, "?" prints the order, one line, comma separated
    Scanner sc = new Scanner(System.in);
    Set<String> s = new HashSet<String>(8);
    while (sc.hasNextLine()) {
      String l = sc.nextLine();
      if (l.startsWith("+")) s.add(l.substring(1));
      else if (l.startsWith("-")) s.remove(l.substring(1));
      else System.out.println(String.join(",", s));
    }
  }
}
